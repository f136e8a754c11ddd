using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Moq;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Http;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Tests;

/// <summary>Every route's status codes through the function adapters, over the pipeline's QueryApi with Moq'd ports.</summary>
public sealed class QueryFunctionsTests : IDisposable
{
    private static readonly long Hour = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private readonly TestApp _app = new();
    private readonly QueryFunctions _functions;

    public QueryFunctionsTests()
    {
        _functions = _app.Create<QueryFunctions>();
        _app.DeadLetters.Setup(d => d.QueryAsync(It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([DeadLetter.Create(DeadLetterReason.NotJson, "empty body", "2", new RawMessage(TestApp.Utf8("x"), 5, TestApp.Now.AddMinutes(-5)))]);
        _app.Ledger.Setup(l => l.QueryTotalsAsync(It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([CostTotal.From(CostRecord("Aggregate", "eventHub", 1000)), CostTotal.From(CostRecord("Leaderboard", "http", 0))]);
    }

    public void Dispose() => _app.Dispose();

    private static CostRecord CostRecord(string function, string trigger, long events) => new()
    {
        InvocationId = Guid.NewGuid().ToString(),
        Function = function,
        Trigger = trigger,
        Start = TestApp.Now.AddMinutes(-10),
        DurationMs = 100,
        Events = events,
        Usd = new CostModel(new PriceTable()).Price(100, 2048, 10, events),
    };

    private static HttpRequest Get(string query = "") => new DefaultHttpContext { Request = { Method = "GET", QueryString = new QueryString(query) } }.Request;

    private static ContentResult Assert(IActionResult result, int status)
    {
        var content = Xunit.Assert.IsAssignableFrom<ContentResult>(result);
        Xunit.Assert.Equal(status, content.StatusCode);
        if (status is 400 or 404)
        {
            Xunit.Assert.StartsWith("application/problem+json", content.ContentType);
            using var problem = JsonDocument.Parse(content.Content!);
            Xunit.Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
            Xunit.Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
        }
        else
        {
            Xunit.Assert.StartsWith("application/json", content.ContentType);
        }
        return content;
    }

    private static JsonElement Json(ContentResult result) => JsonDocument.Parse(result.Content!).RootElement.Clone();

    private void SeedItem(string itemId, long clicks, string partition = "0", long sequence = 10)
    {
        var delta = new ItemDelta();
        for (var i = 0; i < clicks; i++)
        {
            delta.Add(EventType.Click, Hour);
        }
        _app.Entities.Run(DurableRollupClient.ShardId(ShardRouting.ShardKey(16, ShardRouting.ShardOf(itemId, 16))), "apply",
            new ItemShardSignal { SourcePartition = partition, FirstSequenceNumber = sequence, LastSequenceNumber = sequence, Items = { [itemId] = delta } });
        _app.Entities.Settle(); // the shard's tail flushes write the item and leaderboard documents
    }

    [Fact]
    public async Task User_features_by_name_with_a_sliding_window()
    {
        var document = Core.Aggregation.UserDocument.Create("alice", Core.Features.CompiledDefinitions.Default);
        var at = _app.Clock.GetUtcNow();
        var events = new List<Core.Events.SequencedEvent>
        {
            new(new Core.Events.TreasureEvent("e1", "alice", "i1", "gems", Core.Events.EventType.Click, 1, at.AddMinutes(-50)), 1, at),
            new(new Core.Events.TreasureEvent("e2", "alice", "i2", "gems", Core.Events.EventType.Click, 1, at.AddMinutes(-5)), 2, at),
            new(new Core.Events.TreasureEvent("e3", "alice", "i2", "gems", Core.Events.EventType.Purchase, 9.5, at.AddMinutes(-4)), 3, at),
        };
        document.Apply(events, "0", Core.Features.CompiledDefinitions.Default, Core.Aggregation.DeliveryRules.Default, new Core.Aggregation.EventOutcome[3]);
        _app.Aggregates["alice"] = document;

        var ok = Json(Assert(await _functions.UserFeaturesAsync(Get("?names=events,maxPurchase,recentItems"), "alice", default), 200));
        Xunit.Assert.Equal(1, ok.GetProperty("version").GetInt32());
        Xunit.Assert.Equal(2, ok.GetProperty("features").GetProperty("events").GetProperty("click").GetInt64());
        Xunit.Assert.Equal(9.5, ok.GetProperty("features").GetProperty("maxPurchase").GetDouble());
        Xunit.Assert.Equal("i2", ok.GetProperty("features").GetProperty("recentItems")[0].GetProperty("value").GetString());
        var sliding = Json(Assert(await _functions.UserFeaturesAsync(Get("?names=events&window=last30m"), "alice", default), 200));
        Xunit.Assert.Equal(1, sliding.GetProperty("features").GetProperty("events").GetProperty("click").GetInt64());

        Assert(await _functions.UserFeaturesAsync(Get("?names=nope"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get("?names=events&window=last3w"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get("?names=events&window=last200m"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get("?names=affinity&window=last5m"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get(), "nobody", default), 404);
    }

    /// <summary>Runs an action result as the worker's ASP.NET Core integration does; returns the response.</summary>
    private static async Task<HttpResponse> ExecuteAsync(IActionResult result)
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(services);
        Microsoft.Extensions.DependencyInjection.MvcCoreServiceCollectionExtensions.AddMvcCore(services);
        var http = new DefaultHttpContext { RequestServices = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services) };
        http.Response.Body = new MemoryStream();
        await result.ExecuteResultAsync(new ActionContext(http, new Microsoft.AspNetCore.Routing.RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        return http.Response;
    }

    [Fact]
    public async Task Answers_with_personal_data_are_not_stored_by_caches_nor_sniffed()
    {
        _app.Aggregates["alice"] = Core.Aggregation.UserDocument.Create("alice", Core.Features.CompiledDefinitions.Default);

        foreach (var result in new[]
        {
            await _functions.UserProfileAsync(Get(), "alice", default),
            await _functions.UserFeaturesAsync(Get("?names=events"), "alice", default),
            await _functions.UserProfileAsync(Get(), "nobody", default),
            await _functions.DeadLettersAsync(Get(), default),
        })
        {
            var response = await ExecuteAsync(result);
            Xunit.Assert.Equal("no-store", response.Headers.CacheControl.ToString());
            Xunit.Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
            Xunit.Assert.True(response.Body.Length > 0);
        }
    }

    [Fact]
    public async Task User_features_by_name_in_the_tumbling_tile_containing_at()
    {
        var document = Core.Aggregation.UserDocument.Create("alice", Core.Features.CompiledDefinitions.Default);
        var now = _app.Clock.GetUtcNow();
        var times = new[] { now.AddMinutes(-50), now.AddMinutes(-5), now.AddMinutes(-4), now.AddHours(-30) };
        var events = times.Select((t, i) => new Core.Events.SequencedEvent(
            new Core.Events.TreasureEvent($"e{i}", "alice", "i1", "gems", Core.Events.EventType.Click, 1, t), i + 1, now)).ToList();
        document.Apply(events, "0", Core.Features.CompiledDefinitions.Default, Core.Aggregation.DeliveryRules.Default, new Core.Aggregation.EventOutcome[events.Count]);
        _app.Aggregates["alice"] = document;
        static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        long Expected(Core.Aggregation.WindowSize unit, DateTimeOffset at) => times.Count(t => unit.StartOf(t) == unit.StartOf(at));

        foreach (var (unit, at) in new[] { (Core.Aggregation.WindowSize.Minute, times[0]), (Core.Aggregation.WindowSize.Minute, times[1]), (Core.Aggregation.WindowSize.Hour, times[0]),
                     (Core.Aggregation.WindowSize.Hour, now), (Core.Aggregation.WindowSize.Hour, times[3]), (Core.Aggregation.WindowSize.Day, times[3]), (Core.Aggregation.WindowSize.Day, now) })
        {
            var ok = Json(Assert(await _functions.UserFeaturesAsync(Get($"?names=events&window={unit.Name()}&at={Iso(at)}"), "alice", default), 200));
            Xunit.Assert.Equal(Expected(unit, at), ok.GetProperty("features").GetProperty("events").GetProperty("click").GetInt64());
            var start = DateTimeOffset.FromUnixTimeSeconds(unit.StartOf(at)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            Xunit.Assert.Equal($"{unit.Name()}@{start}", ok.GetProperty("window").GetString());
        }
        var current = Json(Assert(await _functions.UserFeaturesAsync(Get("?names=events&window=day"), "alice", default), 200)); // 'at' defaults to now
        Xunit.Assert.Equal(Expected(Core.Aggregation.WindowSize.Day, now), current.GetProperty("features").GetProperty("events").GetProperty("click").GetInt64());

        var outside = Json(Assert(await _functions.UserFeaturesAsync(Get($"?names=events&window=minute&at={Iso(now.AddHours(-3))}"), "alice", default), 400));
        Xunit.Assert.Contains("outside the retention: 120 minute tiles are kept", outside.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var future = Json(Assert(await _functions.UserFeaturesAsync(Get($"?names=events&window=hour&at={Iso(now.AddHours(2))}"), "alice", default), 400));
        Xunit.Assert.Contains("is after the current hour", future.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert(await _functions.UserFeaturesAsync(Get("?names=events&window=hour&at=yesterday"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get($"?names=events&window=last30m&at={Iso(now)}"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get("?names=events&window=week"), "alice", default), 400);
        Assert(await _functions.UserFeaturesAsync(Get("?names=affinity&window=hour"), "alice", default), 400); // decayedSum keeps no tiles
    }

    [Fact]
    public async Task User_profile()
    {
        _app.Aggregates["alice"] = Core.Aggregation.UserDocument.Create("alice", Core.Features.CompiledDefinitions.Default);

        Assert(await _functions.UserProfileAsync(Get(), "bad id!", default), 400);
        Assert(await _functions.UserProfileAsync(Get(), new string('a', 129), default), 400);
        Assert(await _functions.UserProfileAsync(Get(), "..", default), 400); // a dot segment: never sent to the store
        Assert(await _functions.UserFeaturesAsync(Get(), ".", default), 400);
        Assert(await _functions.UserProfileAsync(Get(), "nobody", default), 404);
        var ok = Assert(await _functions.UserProfileAsync(Get(), "alice", default), 200);
        Xunit.Assert.Equal("alice", Json(ok).GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Item_stats()
    {
        SeedItem("sword", 3);
        var client = _app.Entities.AsClient();

        Assert(await _functions.ItemStatsAsync(Get(), "no/such", client, default), 400);
        Assert(await _functions.ItemStatsAsync(Get(), "..", client, default), 400);
        Assert(await _functions.ItemStatsAsync(Get(), "shield", client, default), 404);
        var ok = Assert(await _functions.ItemStatsAsync(Get(), "sword", client, default), 200);
        Xunit.Assert.Equal(3, Json(ok).GetProperty("totals").GetProperty("click").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?type=poke")]
    [InlineData("?type=click&window=day")]
    [InlineData("?type=click&at=yesterday")]
    [InlineData("?type=click&at=13:00")]
    [InlineData("?type=click&at=0001-01-01T00:00:00Z")]
    [InlineData("?type=click&top=0")]
    [InlineData("?type=click&top=101")]
    [InlineData("?type=click&top=ten")]
    public async Task Leaderboard_rejects_bad_parameters(string query) =>
        Assert(await _functions.LeaderboardAsync(Get(query), _app.Entities.AsClient(), default), 400);

    [Fact]
    public async Task Leaderboard_merges_the_shards()
    {
        SeedItem("sword", 3);
        SeedItem("shield", 5, sequence: 11);
        SeedItem("axe", 3, sequence: 12);

        var ok = Assert(await _functions.LeaderboardAsync(Get("?type=click&window=hour&at=2026-11-27T13:30:00Z&top=2"), _app.Entities.AsClient(), default), 200);

        var items = Json(ok).GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString(), i.GetProperty("count").GetInt64())).ToList();
        Xunit.Assert.Equal([("shield", 5L), ("axe", 3L)], items);
        Xunit.Assert.Equal("hour", Json(ok).GetProperty("window").GetString());
        Assert(await _functions.LeaderboardAsync(Get("?type=click&window=all"), _app.Entities.AsClient(), default), 200);
    }

    [Fact]
    public async Task Totals()
    {
        var empty = Assert(await _functions.TotalsAsync(Get(), _app.Entities.AsClient(), default), 200);
        Xunit.Assert.Equal(0, Json(empty).GetProperty("events").GetInt64());

        _app.Entities.Run(DurableRollupClient.GlobalId, "apply", new GlobalTotalsSignal
        {
            SourcePartition = "0",
            LastSequenceNumber = 1,
            Counters = new GlobalCounters { Events = 4, ByType = [1, 3, 0, 0, 0], DeadLettered = 2 },
        });
        var ok = Assert(await _functions.TotalsAsync(Get(), _app.Entities.AsClient(), default), 200);
        Xunit.Assert.Equal(4, Json(ok).GetProperty("events").GetInt64());
        Xunit.Assert.Equal(3, Json(ok).GetProperty("byType").GetProperty("click").GetInt64());
        Xunit.Assert.Equal(2, Json(ok).GetProperty("deadLettered").GetInt64());
    }

    [Theory]
    [InlineData("?from=nope")]
    [InlineData("?to=2026-11-27T10:00:00Z&from=2026-11-27T11:00:00Z")]
    [InlineData("?from=2026-01-01T00:00:00Z&to=2026-11-27T00:00:00Z")]
    [InlineData("?top=0")]
    [InlineData("?top=1001")]
    [InlineData("?to=0001-01-01T00:00:00Z")]
    [InlineData("?from=0001-01-01T00:00:00Z")]
    [InlineData("?to=9999-12-31T23:59:59Z")]
    [InlineData("?from=13:00")]
    [InlineData("?from=01/02/2026")]
    [InlineData("?from=2026-11-27")]
    [InlineData("?from=2026-11-27T12:00:00")]
    [InlineData("?from=1999-12-31T23:00:00Z&to=2000-01-01T01:00:00Z")]
    [InlineData("?to=2026-11-29T13:30:00Z")]
    public async Task Dead_letters_reject_bad_parameters(string query) =>
        Assert(await _functions.DeadLettersAsync(Get(query), default), 400);

    [Theory]
    [InlineData("?from=2026-11-27T12:00:00Z&to=2026-11-27T13:00:00Z")]
    [InlineData("?from=2026-11-27T12:00:00.5Z&to=2026-11-27T13:00:00.1234567Z")]
    [InlineData("?from=2026-11-27T13:00:00%2B01:00&to=2026-11-27T09:00:00-04:00")]
    [InlineData("?from=2026-10-27T13:30:00Z")]
    [InlineData("?to=2026-11-28T13:30:00Z")]
    public async Task Dead_letters_accept_round_trip_times_with_an_offset(string query) =>
        Assert(await _functions.DeadLettersAsync(Get(query), default), 200);

    [Fact]
    public async Task Dead_letters()
    {
        var ok = Assert(await _functions.DeadLettersAsync(Get("?top=5"), default), 200);
        var item = Xunit.Assert.Single(Json(ok).GetProperty("items").EnumerateArray());
        Xunit.Assert.Equal("not_json", item.GetProperty("reason").GetString());
        _app.DeadLetters.Verify(d => d.QueryAsync(TestApp.Now.AddDays(-1), TestApp.Now, 5, It.IsAny<CancellationToken>()));
    }

    [Theory]
    [InlineData("?groupBy=day")]
    [InlineData("?from=2026-13-01")]
    [InlineData("?from=2026-11-27T12:00:00Z&to=2026-11-27T12:00:00Z")]
    [InlineData("?to=0001-01-01T00:00:00Z")]
    [InlineData("?to=13:00")]
    [InlineData("?from=01/02/2026&to=2026-01-03T00:00:00Z")]
    [InlineData("?from=2026-10-01T00:00:00Z&to=2026-11-02T00:00:00Z")]
    public async Task Cost_rejects_bad_parameters(string query) =>
        Assert(await _functions.FinOpsCostAsync(Get(query), default), 400);

    [Fact]
    public async Task Cost()
    {
        var ok = Json(Assert(await _functions.FinOpsCostAsync(Get("?groupBy=function"), default), 200));

        Xunit.Assert.Equal(2, ok.GetProperty("invocations").GetInt64());
        Xunit.Assert.Equal(1000, ok.GetProperty("events").GetInt64());
        Xunit.Assert.True(ok.GetProperty("usd").GetProperty("total").GetDecimal() > 0);
        Xunit.Assert.Equal(["Aggregate", "Leaderboard"], ok.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task Cost_by_feature_over_31_days_reads_the_pre_aggregated_rows_not_every_invocation()
    {
        // 31 days × 24 hour rows, each the sum of many invocations with feature attribution (what the ledger buffer writes).
        var hourRows = Enumerable.Range(0, 31 * 24).Select(h =>
        {
            var record = CostRecord("Aggregate", "eventHub", 1000) with
            {
                Start = TestApp.Now.AddDays(-31).AddHours(h),
                CosmosRu = 10,
                Features = new Dictionary<string, FeatureCost> { ["events"] = new(4, 400, 6), ["value"] = new(4, 100, 1.5) },
            };
            return Enumerable.Range(0, 99).Aggregate(CostTotal.From(record), (total, _) => total.Add(record));
        }).ToList();
        _app.Ledger.Setup(l => l.QueryTotalsAsync(It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ReturnsAsync(hourRows);

        var ok = Json(Assert(await _functions.FinOpsCostAsync(Get("?groupBy=feature&from=" + Uri.EscapeDataString(TestApp.Now.AddDays(-31).ToString("O"))), default), 200));

        _app.Ledger.Verify(l => l.QueryAsync(It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
        _app.Ledger.Verify(l => l.QueryTotalsAsync(It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        var features = ok.GetProperty("features").EnumerateArray().ToList();
        Xunit.Assert.Equal(["events", "value"], features.Select(f => f.GetProperty("feature").GetString()));
        Xunit.Assert.Equal(31 * 24 * 100 * 4L, features[0].GetProperty("writes").GetInt64());
        Xunit.Assert.Equal(31 * 24 * 100 * 400L, features[0].GetProperty("bytes").GetInt64());
        Xunit.Assert.Equal(31 * 24 * 100 * 6.0, features[0].GetProperty("ru").GetDouble(), 6);
        Xunit.Assert.True(features[0].GetProperty("cosmosUsd").GetDecimal() > 0);
    }

    [Fact]
    public async Task Liveness_is_200_and_touches_no_store()
    {
        var probe = new Mock<IHealthCheck>(MockBehavior.Strict); // any call fails the test
        using var app = new TestApp(null, ("cosmos", probe.Object));
        var ok = Assert(await app.Create<QueryFunctions>().HealthAsync(Get(), default), 200);
        Xunit.Assert.Equal("alive", Json(ok).GetProperty("status").GetString());
        probe.Verify(p => p.CheckHealthAsync(It.IsAny<HealthCheckContext>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private static (string, IHealthCheck) Store(string name, Func<Task<HealthCheckResult>> answer)
    {
        var probe = new Mock<IHealthCheck>();
        probe.Setup(p => p.CheckHealthAsync(It.IsAny<HealthCheckContext>(), It.IsAny<CancellationToken>())).Returns(answer);
        return (name, probe.Object);
    }

    [Fact]
    public async Task Readiness_is_200_when_every_store_answers_and_503_otherwise()
    {
        using var healthy = new TestApp(null, Store("cosmos", () => Task.FromResult(HealthCheckResult.Healthy())), Store("tables", () => Task.FromResult(HealthCheckResult.Healthy())));
        var ok = Assert(await healthy.Create<QueryFunctions>().ReadyAsync(Get(), default), 200);
        Xunit.Assert.Equal("healthy", Json(ok).GetProperty("status").GetString());

        using var down = new TestApp(null, Store("cosmos", () => Task.FromResult(HealthCheckResult.Healthy())), Store("tables", () => throw new IOException("refused")));
        var unavailable = Assert(await down.Create<QueryFunctions>().ReadyAsync(Get(), default), 503);
        Xunit.Assert.False(Json(unavailable).GetProperty("checks").GetProperty("tables").GetBoolean());
    }

    [Fact]
    public async Task Readiness_is_cached_for_a_few_seconds_and_shared_by_concurrent_callers()
    {
        var calls = 0;
        using var app = new TestApp(null, Store("cosmos", async () => { Interlocked.Increment(ref calls); await Task.Yield(); return HealthCheckResult.Healthy(); }));
        var functions = app.Create<QueryFunctions>();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => functions.ReadyAsync(Get(), default)));
        Xunit.Assert.Equal(1, calls);
        app.Clock.Advance(HealthAnswers.CacheFor - TimeSpan.FromMilliseconds(1));
        await functions.ReadyAsync(Get(), default);
        Xunit.Assert.Equal(1, calls);
        app.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await functions.ReadyAsync(Get(), default);
        Xunit.Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Readiness_counts_parked_rows_up_to_its_limit_without_reading_their_bodies()
    {
        await _app.Parked.WriteAsync(Enumerable.Range(0, ParkedReadiness.CountUpTo + 500).Select(i => new Core.Parking.ParkedMessage(
            "0", i, TestApp.Now, "poison", Core.Parking.ParkReason.UserHeld, "held", new byte[64 * 1024], TestApp.Now)).ToList(), default);
        var readiness = ActivatorUtilities.CreateInstance<ParkedReadiness>(_app.Services);

        var detail = await readiness.CheckHealthAsync(new HealthCheckContext(), default);

        Xunit.Assert.Equal(HealthStatus.Healthy, detail.Status);
        using var body = JsonDocument.Parse(JsonSerializer.Serialize(detail.Data[ReadinessTags.ValueKey], ApiResponse.Json));
        Xunit.Assert.Equal(ParkedReadiness.CountUpTo, body.RootElement.GetProperty("count").GetInt32());
        Xunit.Assert.True(body.RootElement.GetProperty("atLeast").GetBoolean());
        Xunit.Assert.Equal(0, _app.Parked.RowsRead); // no row, no body, was loaded to count them
    }

    [Fact]
    public async Task Readiness_shows_details_and_a_detail_can_make_it_503()
    {
        var detail = new Mock<IHealthCheck>();
        detail.Setup(d => d.CheckHealthAsync(It.IsAny<HealthCheckContext>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(HealthCheckResult.Unhealthy(data: new Dictionary<string, object> { [ReadinessTags.ValueKey] = new { partitions = 1 } }));
        using var app = new TestApp(null);
        var services = new ServiceCollection().AddLogging();
        services.AddHealthChecks().AddCheck("heldPartitions", detail.Object, HealthStatus.Unhealthy, [ReadinessTags.Detail]);
        using var provider = services.BuildServiceProvider();
        var health = new HealthAnswers(provider.GetRequiredService<HealthCheckService>(), app.Clock);
        var response = await health.ReadinessAsync(default);
        Xunit.Assert.Equal(503, response.StatusCode);
        using var body = JsonDocument.Parse(response.Body);
        Xunit.Assert.Equal(1, body.RootElement.GetProperty("details").GetProperty("heldPartitions").GetProperty("partitions").GetInt32());
    }
}
