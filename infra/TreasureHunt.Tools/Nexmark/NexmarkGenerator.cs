namespace TreasureHunt.Tools.Nexmark;

/// <summary>What a Nexmark event is: a new person, a new auction, or a bid on an auction.</summary>
public enum NexmarkKind
{
    Person,
    Auction,
    Bid,
}

/// <summary>
/// One Nexmark event, the fields our queries read. <see cref="PersonId"/> is the new person (person), the seller
/// (auction) or the bidder (bid); <see cref="AuctionId"/> is the new auction (auction) or the auction bid on (bid), 0 for
/// a person; <see cref="Price"/> is the initial bid (auction) or the bid's price (bid), in cents; <see cref="Channel"/>
/// is the bid's channel (null otherwise).
/// </summary>
public readonly record struct NexmarkEvent(long EventId, NexmarkKind Kind, long PersonId, long AuctionId, long Category, long Price, string? Channel, DateTimeOffset Timestamp);

/// <summary>The generator's parameters: the reference's defaults (NexmarkConfiguration.java).</summary>
public sealed record NexmarkConfig
{
    public int PersonProportion { get; init; } = 1;
    public int AuctionProportion { get; init; } = 3;
    public int BidProportion { get; init; } = 46;

    /// <summary>A bid is on a hot auction with probability 1 − 1/ratio.</summary>
    public int HotAuctionRatio { get; init; } = 2;

    /// <summary>An auction is by a hot seller with probability 1 − 1/ratio.</summary>
    public int HotSellersRatio { get; init; } = 4;

    /// <summary>A bid is by a hot bidder with probability 1 − 1/ratio.</summary>
    public int HotBiddersRatio { get; init; } = 4;

    public int NumInFlightAuctions { get; init; } = 100;
    public int NumActivePeople { get; init; } = 1000;

    /// <summary>Event-time rate: event n is stamped n / rate seconds after the base time (the reference's firstEventRate).</summary>
    public int EventsPerSecond { get; init; } = 10_000;

    public int TotalProportion => PersonProportion + AuctionProportion + BidProportion;
}

/// <summary>
/// A deterministic Nexmark event stream following the published generator's rules (the event id decides the kind,
/// hot sellers, auctions and bidders, log-uniform prices, hot channels), with two departures so our contract can carry
/// it. Rules, sources and departures: docs/internals.md#nexmark-generator.
/// </summary>
public sealed class NexmarkGenerator
{
    public const long FirstAuctionId = 1000;
    public const long FirstPersonId = 1000;
    public const long FirstCategoryId = 10;
    public const int Categories = 5;
    public const int HotBlock = 100;
    public const int IdLead = 10;
    public const int ChannelCount = 10_000;
    public const int HotChannelsRatio = 2;

    public static readonly string[] HotChannels = ["Google", "Facebook", "Baidu", "Apple"];

    private static readonly string[] Channels = Enumerable.Range(0, ChannelCount).Select(i => $"channel-{i}").ToArray();

    private readonly NexmarkConfig _config;
    private readonly Random _random;
    private readonly int _seed;
    private readonly DateTimeOffset _baseTime;
    private long _next;

    public NexmarkGenerator(int seed, DateTimeOffset baseTime, NexmarkConfig? config = null)
    {
        _config = config ?? new NexmarkConfig();
        _seed = seed;
        _random = new Random(seed);
        _baseTime = baseTime;
    }

    public NexmarkConfig Config => _config;

    /// <summary>The id the next event gets (0 first).</summary>
    public long NextEventId => _next;

    public NexmarkEvent Next()
    {
        var id = _next++;
        var timestamp = _baseTime.AddTicks(id * TimeSpan.TicksPerSecond / _config.EventsPerSecond);
        var rem = id % _config.TotalProportion;
        if (rem < _config.PersonProportion)
        {
            return new NexmarkEvent(id, NexmarkKind.Person, LastPersonId(id) + FirstPersonId, 0, 0, 0, null, timestamp);
        }
        if (rem < _config.PersonProportion + _config.AuctionProportion)
        {
            var auction = LastAuctionId(id) + FirstAuctionId;
            var seller = _random.Next(_config.HotSellersRatio) > 0
                ? LastPersonId(id) / HotBlock * HotBlock
                : NextPersonId(id);
            return new NexmarkEvent(id, NexmarkKind.Auction, seller + FirstPersonId, auction, CategoryOf(auction), NextPrice(), null, timestamp);
        }
        var bidAuction = _random.Next(_config.HotAuctionRatio) > 0
            ? LastAuctionId(id) / HotBlock * HotBlock
            : NextAuctionId(id);
        bidAuction += FirstAuctionId;
        var bidder = _random.Next(_config.HotBiddersRatio) > 0
            ? LastPersonId(id) / HotBlock * HotBlock + 1
            : NextPersonId(id);
        var price = NextPrice();
        var channel = _random.Next(HotChannelsRatio) > 0 ? HotChannels[_random.Next(HotChannels.Length)] : Channels[_random.Next(ChannelCount)];
        return new NexmarkEvent(id, NexmarkKind.Bid, bidder + FirstPersonId, bidAuction, CategoryOf(bidAuction), price, channel, timestamp);
    }

    /// <summary>The auction's category, 10..14: a hash of the seed and the id (uniform, as the reference's draw is).</summary>
    public long CategoryOf(long auctionId)
    {
        var h = (ulong)auctionId * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)_seed * 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return FirstCategoryId + (long)(h % Categories);
    }

    /// <summary>The last person id (base 0) at event <paramref name="eventId"/>: the new one when it is a person's turn.</summary>
    internal long LastPersonId(long eventId)
    {
        var epoch = eventId / _config.TotalProportion;
        var offset = eventId % _config.TotalProportion;
        if (offset >= _config.PersonProportion) offset = _config.PersonProportion - 1;
        return epoch * _config.PersonProportion + offset;
    }

    /// <summary>The last auction id (base 0) at event <paramref name="eventId"/>: the new one when it is an auction's turn.</summary>
    internal long LastAuctionId(long eventId)
    {
        var epoch = eventId / _config.TotalProportion;
        var offset = eventId % _config.TotalProportion;
        if (offset < _config.PersonProportion)
        {
            epoch--;
            offset = _config.AuctionProportion - 1;
        }
        else if (offset >= _config.PersonProportion + _config.AuctionProportion)
        {
            offset = _config.AuctionProportion - 1;
        }
        else
        {
            offset -= _config.PersonProportion;
        }
        return epoch * _config.AuctionProportion + offset;
    }

    /// <summary>One of the active persons, or up to <see cref="IdLead"/> ahead of the last one (base 0).</summary>
    private long NextPersonId(long eventId)
    {
        var people = LastPersonId(eventId) + 1;
        var active = Math.Min(people, _config.NumActivePeople);
        return people - active + _random.NextInt64(active + IdLead);
    }

    /// <summary>One of the in-flight auctions, or up to <see cref="IdLead"/> ahead of the last one (base 0).</summary>
    private long NextAuctionId(long eventId)
    {
        var last = LastAuctionId(eventId);
        var min = Math.Max(last - _config.NumInFlightAuctions, 0);
        return min + _random.NextInt64(last - min + 1 + IdLead);
    }

    /// <summary>round(10^(6u) × 100) cents: log-uniform from 1.00 to 1,000,000.00.</summary>
    private long NextPrice() => (long)Math.Round(Math.Pow(10.0, _random.NextDouble() * 6.0) * 100.0);
}
