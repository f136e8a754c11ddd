namespace TreasureHunt.Tools.Nexmark;

/// <summary>q15's figures for one day (Nexmark's price bands: rank1 under 10,000, rank2 10,000 to under 1,000,000, rank3 from 1,000,000).</summary>
public sealed record DailyBids(long Bids, long Rank1, long Rank2, long Rank3, long Bidders, long Auctions);

/// <summary>q17's figures for one auction and day.</summary>
public sealed record AuctionDay(long Bids, long Rank1, long Rank2, long Rank3, long MinPrice, long MaxPrice, double AvgPrice, long SumPrice);

/// <summary>
/// The brute force the Nexmark bench and tests check the pipeline's answers against: every answer computed directly
/// from the generated events, with exact sets for the distinct counts. Tiles are UTC minutes, hours and days of the
/// event time, as the definitions' tumbling windows are. Holds every event's figures: for a bench-sized stream only.
/// </summary>
public sealed class NexmarkAnswers
{
    public const long Rank1Below = 10_000;
    public const long Rank3From = 1_000_000;

    private readonly Dictionary<DateTimeOffset, Dictionary<long, long>> _hourBids = [];
    private readonly Dictionary<DateTimeOffset, long> _minuteMax = [];
    private readonly Dictionary<DateTimeOffset, long> _hourMax = [];
    private readonly Dictionary<DateTimeOffset, (long Bids, long R1, long R2, long R3, HashSet<long> Bidders, HashSet<long> Auctions)> _days = [];
    private readonly Dictionary<(long Auction, DateTimeOffset Day), (long Bids, long R1, long R2, long R3, long Min, long Max, long Sum)> _auctionDays = [];

    public long Events { get; private set; }
    public long Bids { get; private set; }

    public static NexmarkAnswers Of(IEnumerable<NexmarkEvent> events)
    {
        var answers = new NexmarkAnswers();
        foreach (var e in events) answers.Add(e);
        return answers;
    }

    public static DateTimeOffset MinuteOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    public static DateTimeOffset HourOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
    public static DateTimeOffset DayOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerDay, TimeSpan.Zero);

    public void Add(in NexmarkEvent e)
    {
        Events++;
        if (e.Kind != NexmarkKind.Bid) return;
        Bids++;
        var (minute, hour, day) = (MinuteOf(e.Timestamp), HourOf(e.Timestamp), DayOf(e.Timestamp));
        if (!_hourBids.TryGetValue(hour, out var perAuction)) _hourBids[hour] = perAuction = [];
        perAuction[e.AuctionId] = perAuction.GetValueOrDefault(e.AuctionId) + 1;
        _minuteMax[minute] = Math.Max(_minuteMax.GetValueOrDefault(minute, long.MinValue), e.Price);
        _hourMax[hour] = Math.Max(_hourMax.GetValueOrDefault(hour, long.MinValue), e.Price);
        var (r1, r2, r3) = e.Price < Rank1Below ? (1, 0, 0) : e.Price < Rank3From ? (0, 1, 0) : (0, 0, 1);
        var d = _days.TryGetValue(day, out var existing) ? existing : (0, 0, 0, 0, new HashSet<long>(), new HashSet<long>());
        d.Bidders.Add(e.PersonId);
        d.Auctions.Add(e.AuctionId);
        _days[day] = (d.Bids + 1, d.R1 + r1, d.R2 + r2, d.R3 + r3, d.Bidders, d.Auctions);
        var a = _auctionDays.TryGetValue((e.AuctionId, day), out var ad) ? ad : (0, 0, 0, 0, long.MaxValue, long.MinValue, 0);
        _auctionDays[(e.AuctionId, day)] = (a.Bids + 1, a.R1 + r1, a.R2 + r2, a.R3 + r3, Math.Min(a.Min, e.Price), Math.Max(a.Max, e.Price), a.Sum + e.Price);
    }

    public IEnumerable<DateTimeOffset> Hours => _hourBids.Keys.Order();
    public IEnumerable<DateTimeOffset> Minutes => _minuteMax.Keys.Order();
    public IEnumerable<DateTimeOffset> Days => _days.Keys.Order();

    /// <summary>q5: the top <paramref name="k"/> auctions by bids in the hour, count descending, ties by item id ascending (ordinal), as the declared leaderboard ranks.</summary>
    public IReadOnlyList<(string ItemId, long Bids)> HotItems(DateTimeOffset hour, int k) =>
        (_hourBids.GetValueOrDefault(hour) ?? [])
            .Select(p => (ItemId: NexmarkContract.ItemIdOf(p.Key), Bids: p.Value))
            .OrderByDescending(p => p.Bids).ThenBy(p => p.ItemId, StringComparer.Ordinal).Take(k).ToList();

    /// <summary>Bids on one auction in one hour (q5's value for a key).</summary>
    public long HourBids(long auctionId, DateTimeOffset hour) => _hourBids.GetValueOrDefault(hour)?.GetValueOrDefault(auctionId) ?? 0;

    /// <summary>q7: the highest bid price in the minute or hour tile, null when no bid fell in it.</summary>
    public long? MaxPriceInMinute(DateTimeOffset minute) => _minuteMax.TryGetValue(minute, out var v) ? v : null;
    public long? MaxPriceInHour(DateTimeOffset hour) => _hourMax.TryGetValue(hour, out var v) ? v : null;

    /// <summary>q15 for a day.</summary>
    public DailyBids? Daily(DateTimeOffset day) =>
        _days.TryGetValue(day, out var d) ? new DailyBids(d.Bids, d.R1, d.R2, d.R3, d.Bidders.Count, d.Auctions.Count) : null;

    /// <summary>q17 for an auction and day.</summary>
    public AuctionDay? AuctionDaily(long auctionId, DateTimeOffset day) =>
        _auctionDays.TryGetValue((auctionId, day), out var a) ? new AuctionDay(a.Bids, a.R1, a.R2, a.R3, a.Min, a.Max, (double)a.Sum / a.Bids, a.Sum) : null;

    /// <summary>The (auction, day) pairs with bids, most bids first (ties by auction id).</summary>
    public IEnumerable<(long AuctionId, DateTimeOffset Day)> AuctionDays =>
        _auctionDays.OrderByDescending(p => p.Value.Bids).ThenBy(p => p.Key.Auction).Select(p => p.Key);
}
