using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using Xunit.Abstractions;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>Start-up against the definitions registry and the back-fill cost model.</summary>
public sealed class DefinitionsRegistrationTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    private static DefinitionsRegistryState Stored(params RegisteredDefinitions[] versions) =>
        new(versions, new ActiveDefinitions { Active = versions[0].Version, ETag = "\"1\"" });

    private static RegisteredDefinitions Registered(FeatureDefinitions d, string container = "users", string status = DefinitionsStatus.Live) =>
        RegisteredDefinitions.Create(d, container, status, Now.AddDays(-1));

    [Fact]
    public void An_empty_registry_records_the_configured_version_as_live_and_active()
    {
        var plan = DefinitionsRegistration.PlanStartup(new DefinitionsRegistryState([], null), FeatureDefinitionsReader.ReadDefault(), "users", Now);
        var written = Assert.Single(plan.Writes);
        Assert.Equal((1, "users", DefinitionsStatus.Live), (written.Version, written.UsersContainer, written.Status));
        Assert.Equal(1, plan.Active!.Active);
    }

    [Fact]
    public void The_same_definitions_again_change_nothing()
    {
        Assert.True(DefinitionsRegistration.PlanStartup(Stored(Registered(FeatureDefinitionsReader.ReadDefault())), FeatureDefinitionsReader.ReadDefault(), "users", Now).NothingToDo);
    }

    [Fact]
    public void A_redefined_feature_in_the_same_version_is_refused_naming_it()
    {
        var changed = FeatureDefinitionsReader.ReadDefault();
        changed.User.Find(f => f.Name == "recentItems")!.K = 5;
        var plan = DefinitionsRegistration.PlanStartup(Stored(Registered(FeatureDefinitionsReader.ReadDefault())), changed, "users", Now);
        Assert.Equal("not compatible with the stored version 1: user 'recentItems': redefined without a new version (stored version 1); redefining a feature needs version 2",
            Assert.Single(plan.Errors));
        Assert.Empty(plan.Writes);
    }

    [Fact]
    public void Reordered_event_types_are_refused_even_with_a_new_version()
    {
        var changed = FeatureDefinitionsReader.ReadDefault();
        changed.Version = 2;
        (changed.EventTypes[0], changed.EventTypes[1]) = (changed.EventTypes[1], changed.EventTypes[0]);
        var plan = DefinitionsRegistration.PlanStartup(Stored(Registered(FeatureDefinitionsReader.ReadDefault())), changed, "users", Now);
        Assert.True(plan.Refused);
        Assert.All(plan.Errors, e => Assert.Contains("event types can only be added at the end", e, StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_version_upgrades_the_container_in_place_and_retires_the_old_one()
    {
        var next = FeatureDefinitionsReader.ReadDefault();
        next.Version = 2;
        next.User.RemoveAt(next.User.Count - 1);
        var plan = DefinitionsRegistration.PlanStartup(Stored(Registered(FeatureDefinitionsReader.ReadDefault())), next, "users", Now);
        Assert.False(plan.Refused);
        Assert.Equal([(2, DefinitionsStatus.Live), (1, DefinitionsStatus.Retired)], plan.Writes.Select(w => (w.Version, w.Status)));
        Assert.Equal((2, 1), (plan.Active!.Active, plan.Active.Previous));
    }

    [Fact]
    public void An_older_unregistered_version_a_retired_version_and_another_container_are_refused()
    {
        var v2 = FeatureDefinitionsReader.ReadDefault();
        v2.Version = 2;
        var v1 = FeatureDefinitionsReader.ReadDefault();
        Assert.Contains("older than the registered version 2",
            Assert.Single(DefinitionsRegistration.PlanStartup(Stored(Registered(v2, "users-v2")), v1, "users", Now).Errors), StringComparison.Ordinal);
        Assert.Contains("set Cosmos__UsersContainer=users-v2",
            Assert.Single(DefinitionsRegistration.PlanStartup(Stored(Registered(v2, "users-v2")), v2, "users", Now).Errors), StringComparison.Ordinal);
        Assert.Contains("retired",
            Assert.Single(DefinitionsRegistration.PlanStartup(Stored(Registered(v1, status: DefinitionsStatus.Retired)), v1, "users", Now).Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void The_back_fill_cost_model_counts_one_write_per_user_and_batch_and_reads_beyond_the_writer_cache()
    {
        var prices = new PriceTable();
        var fits = BackfillCostModel.Estimate(prices, events: 10_000, batchSize: 1000, distinctUsersPerEvent: 1.0, distinctUsers: 100, writerCacheSize: 1000,
            documentBytes: 2048, eventsPerSecond: 1000, memoryMb: 2048);
        Assert.Equal((10L, 10_000L, 100L), (fits.Batches, fits.UserWrites, fits.UserReads));
        var expectedRu = 10_000 * RequestUnitEstimator.Write(2048) + 100 * RequestUnitEstimator.Read(2048)
            + 10 * (RequestUnitEstimator.Read(300) + RequestUnitEstimator.Write(300));
        Assert.Equal(expectedRu, fits.RequestUnits, 6);
        Assert.Equal((decimal)expectedRu * prices.CosmosUsdPerMillionRu / 1_000_000m, fits.Price.Cosmos);
        Assert.Equal(10 * 2m * prices.ComputeUsdPerGbSecond, fits.Price.Compute); // 10 s of a 2 GB job
        Assert.Equal(0m, fits.Price.EventHubs);

        var spills = BackfillCostModel.Estimate(prices, 10_000, 1000, 1.0, distinctUsers: 10_000, writerCacheSize: 1000, 2048, 1000, 2048);
        Assert.Equal(10_000, spills.UserReads); // each user once: every write reads
        Assert.True(spills.TotalUsd > fits.TotalUsd);

        // A version with keyed groups: one read and one write per key a batch touches, and per leaderboard window it touches.
        var keyed = BackfillCostModel.Estimate(prices, events: 10_000, batchSize: 1000, distinctUsersPerEvent: 1.0, distinctUsers: 100, writerCacheSize: 1000,
            documentBytes: 2048, eventsPerSecond: 1000, memoryMb: 2048, keysPerEvent: 0.5, keyDocumentBytes: 4096, leaderboardWindowsPerBatch: 3, leaderboardDocumentBytes: 16_384);
        Assert.Equal((5_000L, 30L), (keyed.KeyWrites, keyed.LeaderboardWrites));
        Assert.Equal(expectedRu + 5_000 * (RequestUnitEstimator.Read(4096) + RequestUnitEstimator.Write(4096))
            + 30 * (RequestUnitEstimator.Read(16_384) + RequestUnitEstimator.Write(16_384)), keyed.RequestUnits, 6);
        Assert.Equal((0L, 0L), (fits.KeyWrites, fits.LeaderboardWrites));

        // The worked example of docs/deploy.md: one day at the production reference point (50,000 events/s).
        var day = BackfillCostModel.Estimate(prices, events: 4_320_000_000, batchSize: 1000, distinctUsersPerEvent: 0.8, distinctUsers: 10_000_000,
            writerCacheSize: 100_000, documentBytes: 2048, eventsPerSecond: 20_000, memoryMb: 2048);
        output.WriteLine($"{day.Events:N0} events: {day.UserWrites:N0} writes, {day.UserReads:N0} reads, {day.RequestUnits:N0} RU, {day.BlobReads:N0} blob reads, {day.ComputeSeconds / 3600:N1} h; " +
            $"Cosmos ${day.Price.Cosmos:N2}, compute ${day.Price.Compute:N2}, storage ${day.StorageUsd:N2}, total ${day.TotalUsd:N2}");
    }
}
