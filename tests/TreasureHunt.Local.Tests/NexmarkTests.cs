using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Tools.Nexmark;

namespace TreasureHunt.Local.Tests;

/// <summary>
/// The Nexmark generator follows the published generator's rules, and features/examples/nexmark.json computes q5, q7,
/// q15 and q17: a generated stream through the core (parse, user documents, rollup deltas merged as a partition's
/// progress merges them) answers what the brute force (<see cref="NexmarkAnswers"/>) computes from the events.
/// </summary>
public sealed class NexmarkTests
{
    private static readonly DateTimeOffset Base = new(2026, 12, 7, 23, 59, 59, TimeSpan.Zero);

    private static string DefinitionsPath => Path.Combine(TestRepository.Root, "features", "examples", "nexmark.json");

    [Fact]
    public void Every_block_of_50_event_ids_is_one_person_then_three_auctions_then_46_bids()
    {
        var generator = new NexmarkGenerator(7, Base);
        for (var block = 0; block < 200; block++)
        {
            var kinds = Enumerable.Range(0, 50).Select(_ => generator.Next()).Select(e => e.Kind).ToList();
            Assert.Equal(NexmarkKind.Person, kinds[0]);
            Assert.All(kinds.Skip(1).Take(3), k => Assert.Equal(NexmarkKind.Auction, k));
            Assert.All(kinds.Skip(4), k => Assert.Equal(NexmarkKind.Bid, k));
        }
    }

    [Fact]
    public void Persons_and_auctions_get_consecutive_ids_and_event_times_follow_the_rate()
    {
        var events = Take(new NexmarkGenerator(3, Base), 5_000);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => NexmarkGenerator.FirstPersonId + i),
            events.Where(e => e.Kind == NexmarkKind.Person).Select(e => e.PersonId));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => NexmarkGenerator.FirstAuctionId + i),
            events.Where(e => e.Kind == NexmarkKind.Auction).Select(e => e.AuctionId));
        Assert.Equal(Base.AddSeconds(0.4999), events[4999].Timestamp);
    }

    [Fact]
    public void The_same_seed_gives_the_same_events_and_another_seed_others()
    {
        var a = Take(new NexmarkGenerator(11, Base), 2_000);
        Assert.Equal(a, Take(new NexmarkGenerator(11, Base), 2_000));
        Assert.NotEqual(a, Take(new NexmarkGenerator(12, Base), 2_000));
        Assert.Equal(NexmarkContract.ToJson(a[1234], "r"), NexmarkContract.ToJson(Take(new NexmarkGenerator(11, Base), 2_000)[1234], "r"));
    }

    [Fact]
    public void Hot_auctions_bidders_sellers_and_channels_take_their_shares_and_prices_are_log_uniform()
    {
        var generator = new NexmarkGenerator(5, Base);
        var events = Take(generator, 200_000);
        var bids = events.Where(e => e.Kind == NexmarkKind.Bid).ToList();
        var auctions = events.Where(e => e.Kind == NexmarkKind.Auction).ToList();
        // A hot pick is the first auction (second person, first person) of the last block of 100; a random pick lands
        // on it rarely, so the shares sit a little above 1 − 1/ratio: 1/2 of bids, 3/4 of bidders, 3/4 of sellers.
        var hotAuction = bids.Count(e => e.AuctionId - NexmarkGenerator.FirstAuctionId == generator.LastAuctionId(e.EventId) / 100 * 100) / (double)bids.Count;
        var hotBidder = bids.Count(e => e.PersonId - NexmarkGenerator.FirstPersonId == generator.LastPersonId(e.EventId) / 100 * 100 + 1) / (double)bids.Count;
        var hotSeller = auctions.Count(e => e.PersonId - NexmarkGenerator.FirstPersonId == generator.LastPersonId(e.EventId) / 100 * 100) / (double)auctions.Count;
        Assert.InRange(hotAuction, 0.49, 0.53);
        Assert.InRange(hotBidder, 0.74, 0.77);
        Assert.InRange(hotSeller, 0.73, 0.78);
        var hotChannel = bids.Count(e => NexmarkGenerator.HotChannels.Contains(e.Channel)) / (double)bids.Count;
        Assert.InRange(hotChannel, 0.49, 0.51);
        Assert.All(bids, e => Assert.InRange(e.Price, 100, 100_000_000));
        // log10(price / 100) is uniform on [0, 6]: mean 3, and each decade holds a sixth of the prices.
        var decades = bids.Select(e => Math.Log10(e.Price / 100.0)).ToList();
        Assert.InRange(decades.Average(), 2.97, 3.03);
        Assert.InRange(decades.Count(d => d < 1) / (double)bids.Count, 0.16, 0.175);
        Assert.All(events.Where(e => e.Kind != NexmarkKind.Person), e => Assert.InRange(e.Category, 10, 14));
        Assert.All(bids.Take(1000), b => Assert.Equal(generator.CategoryOf(b.AuctionId), b.Category));
    }

    [Fact]
    public void The_definitions_compile_with_the_queries_groups_and_leaderboards()
    {
        var d = FeatureDefinitionsReader.Load(DefinitionsPath);
        Assert.Equal(["person", "auction", "bid"], d.TypeNames);
        Assert.Equal(["item", "global"], d.Groups.Select(g => g.Name));
        Assert.Equal(["hotItems", "highestBids"], d.Leaderboards.Select(l => l.Name));
        Assert.Equal("channel", Assert.Single(d.Attributes.Attributes).Name);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_stream_through_the_core_answers_q5_q7_q15_q17_as_the_brute_force(int seed)
    {
        var d = FeatureDefinitionsReader.Load(DefinitionsPath);
        var answers = new NexmarkAnswers();
        // 20,000 events at 10,000 events/s from one second before midnight: the stream crosses a minute, hour and day.
        var batches = new NexmarkBatches(new NexmarkGenerator(seed, Base), "t", answers).Next(40, 500);
        var parser = new BatchParser(new EventParser(d));
        var users = new Dictionary<string, UserDocument>(StringComparer.Ordinal);
        var progress = new RollupDelta { ShardCount = 4, Definitions = d };
        foreach (var batch in batches)
        {
            var parsed = parser.Parse(batch);
            Assert.Empty(parsed.DeadLetters);
            var builder = new RollupDeltaBuilder(4, d);
            foreach (var (userId, events) in parsed.ByUser)
            {
                if (!users.TryGetValue(userId, out var user)) users[userId] = user = UserDocument.Create(userId, d);
                var outcomes = new EventOutcome[events.Count];
                user.Apply(events, parsed.PartitionId, d, DeliveryRules.Default, outcomes);
                for (var i = 0; i < events.Count; i++) builder.Add(events[i], outcomes[i]);
            }
            progress.Merge(builder.Build(parsed.FirstSequenceNumber, parsed.LastSequenceNumber));
        }
        Assert.Equal(20_000, progress.Global.Events);
        var now = Base.AddSeconds(3);
        var item = d.ItemGroup!;
        var global = d.Group("global")!;
        var items = progress.Shards.Values.SelectMany(s => s).ToDictionary(p => p.Key, p => p.Value.Keyed, StringComparer.Ordinal);
        var globalState = Assert.Single(progress.Keys!.Values.SelectMany(k => k.Values)).State;

        double? Answer(KeyedState? state, CompiledGroup group, string name, WindowSize unit, DateTimeOffset at)
        {
            var feature = group.Feature(name)!;
            return state?.Feature(name) is { } f && feature.Aggregator.Answer(f, feature, QueryWindow.TileAt(unit, at), now, d.TypeNames) is { } v
                ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : null;
        }

        Assert.Equal(2, answers.Days.Count());
        foreach (var hour in answers.Hours)
        {
            // q5: every auction's bids in the hour (the leaderboard ranks these values).
            foreach (var (itemId, bids) in answers.HotItems(hour, int.MaxValue))
            {
                Assert.Equal(bids, Answer(items[itemId], item, "hourBids", WindowSize.Hour, hour));
            }
            Assert.Equal(answers.MaxPriceInHour(hour), Answer(globalState, global, "maxPrice", WindowSize.Hour, hour));
        }
        foreach (var minute in answers.Minutes)
        {
            Assert.Equal(answers.MaxPriceInMinute(minute), Answer(globalState, global, "maxPrice", WindowSize.Minute, minute));
        }
        foreach (var day in answers.Days)
        {
            var q15 = answers.Daily(day)!;
            Assert.Equal(q15.Bids, Answer(globalState, global, "dayBids", WindowSize.Day, day));
            Assert.Equal(q15.Rank1, Answer(globalState, global, "dayBidsRank1", WindowSize.Day, day));
            Assert.Equal(q15.Rank2, Answer(globalState, global, "dayBidsRank2", WindowSize.Day, day));
            Assert.Equal(q15.Rank3, Answer(globalState, global, "dayBidsRank3", WindowSize.Day, day));
            // HyperLogLog at its default precision: 1.63 % relative standard error; 3 of them.
            Assert.InRange(Answer(globalState, global, "dayBidders", WindowSize.Day, day)!.Value, q15.Bidders * 0.951, q15.Bidders * 1.049);
            Assert.InRange(Answer(globalState, global, "dayAuctions", WindowSize.Day, day)!.Value, q15.Auctions * 0.951, q15.Auctions * 1.049);
        }
        var checkedPairs = 0;
        foreach (var (auction, day) in answers.AuctionDays)
        {
            var expected = answers.AuctionDaily(auction, day)!;
            var state = items[NexmarkContract.ItemIdOf(auction)];
            Assert.Equal(expected.Bids, Answer(state, item, "dayBids", WindowSize.Day, day));
            Assert.Equal(expected.Rank1, Answer(state, item, "dayBidsRank1", WindowSize.Day, day) ?? 0);
            Assert.Equal(expected.Rank2, Answer(state, item, "dayBidsRank2", WindowSize.Day, day) ?? 0);
            Assert.Equal(expected.Rank3, Answer(state, item, "dayBidsRank3", WindowSize.Day, day) ?? 0);
            Assert.Equal(expected.MinPrice, Answer(state, item, "dayMinPrice", WindowSize.Day, day));
            Assert.Equal(expected.MaxPrice, Answer(state, item, "dayMaxPrice", WindowSize.Day, day));
            Assert.Equal(expected.SumPrice, Answer(state, item, "daySumPrice", WindowSize.Day, day));
            Assert.Equal(expected.AvgPrice, Answer(state, item, "dayAvgPrice", WindowSize.Day, day)!.Value, 9);
            checkedPairs++;
        }
        Assert.True(checkedPairs > 100, $"{checkedPairs} auction-days");
    }

    [Fact]
    public void Staleness_is_the_age_of_the_oldest_accepted_event_a_served_value_does_not_reflect()
    {
        static long Ms(long ms) => ms * System.Diagnostics.Stopwatch.Frequency / 1000;
        var counts = new NexmarkTimeline<string>();
        foreach (var chunk in new[] { 0, 0, 1, 2, 2, 2 }) counts.Add("k", chunk);
        long[] acknowledged = [Ms(100), Ms(300), Ms(200)];
        // In acknowledgement order: chunk 0 (2 events) at 100 ms, chunk 2 (3) at 200 ms, chunk 1 (1) at 300 ms.
        Assert.Equal(TimeSpan.FromMilliseconds(200), counts.CountStaleness("k", 2, Ms(400), acknowledged));
        Assert.Equal(TimeSpan.FromMilliseconds(300), counts.CountStaleness("k", 1, Ms(400), acknowledged));
        Assert.Equal(TimeSpan.Zero, counts.CountStaleness("k", 6, Ms(400), acknowledged));
        Assert.Equal(TimeSpan.Zero, counts.CountStaleness("k", 2, Ms(150), acknowledged)); // only chunk 0 was accepted then
        Assert.Equal(TimeSpan.FromMilliseconds(50), counts.CountStaleness("k", 0, Ms(150), acknowledged));

        var maxima = new NexmarkTimeline<string>();
        maxima.Add("h", 0, 50, maximum: true);
        maxima.Add("h", 0, 20, maximum: true);
        maxima.Add("h", 1, 80, maximum: true);
        Assert.Equal(TimeSpan.FromMilliseconds(100), maxima.MaximumStaleness("h", 50, Ms(400), acknowledged));
        Assert.Equal(TimeSpan.FromMilliseconds(300), maxima.MaximumStaleness("h", long.MinValue, Ms(400), acknowledged));
        Assert.Equal(TimeSpan.Zero, maxima.MaximumStaleness("h", 80, Ms(400), acknowledged));
    }

    private static List<NexmarkEvent> Take(NexmarkGenerator generator, int count) => Enumerable.Range(0, count).Select(_ => generator.Next()).ToList();
}
