using Microsoft.Azure.Functions.Worker;
using Moq;
using TreasureHunt.Core.Costs;
using TreasureHunt.Functions.FinOps;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.FinOps;

namespace TreasureHunt.Functions.Tests;

public sealed class FinOpsMiddlewareTests
{
    private static readonly PriceTable Defaults = new();

    [Fact]
    public async Task Prices_the_invocation_with_the_default_price_table()
    {
        using var app = new TestApp();
        var middleware = app.Create<FinOpsMiddleware>();

        await middleware.Invoke(TestApp.Context("Leaderboard", "httpTrigger", "inv-42"), _ =>
        {
            var usage = InvocationUsage.Current!;
            usage.AddRequestUnits(charged: 1, estimated: 1500);
            usage.AddTableOperations(3);
            usage.AddEvents(10); // an HTTP invocation does not pay Event Hubs ingress for these
            return Task.CompletedTask;
        });
        await app.LedgerBuffer.FlushAsync(CancellationToken.None);

        var record = Assert.Single(app.LedgerWritten);
        Assert.Equal("inv-42", record.InvocationId);
        Assert.Equal("Leaderboard", record.Function);
        Assert.Equal(CostTriggers.Http, record.Trigger);
        Assert.Equal(TestApp.Now, record.Start);
        Assert.Equal(1500, record.CosmosRu);
        Assert.True(record.RuEstimated);
        Assert.Equal(3, record.TableOps);
        Assert.Equal(2048, record.MemoryMb);
        Assert.True(record.Succeeded);

        // $0.000026 per GB-s at 2 GB, $0.40 per million executions, $0.25 per million RU, no ingress.
        Assert.Equal(Defaults.ExecutionsUsdPerMillion / 1_000_000m, record.Usd.Executions);
        Assert.Equal(1500m * 0.25m / 1_000_000m, record.Usd.Cosmos);
        Assert.Equal(0m, record.Usd.EventHubs);
        Assert.Equal((decimal)(record.DurationMs / 1000.0) * 2m * 0.000026m, record.Usd.Compute);
        Assert.Equal(new CostModel(Defaults).Price(record.DurationMs, 2048, 1500, 0), record.Usd);
    }

    [Fact]
    public async Task Event_hub_invocations_pay_ingress_per_event_and_memory_comes_from_settings()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["FinOps:InstanceMemoryMb"] = "4096" });

        await app.Create<FinOpsMiddleware>().Invoke(TestApp.Context("Aggregate", "eventHubTrigger"), _ =>
        {
            InvocationUsage.Current!.AddEvents(1_000_000);
            return Task.CompletedTask;
        });
        await app.LedgerBuffer.FlushAsync(CancellationToken.None);

        var record = Assert.Single(app.LedgerWritten);
        Assert.Equal(4096, record.MemoryMb);
        Assert.Equal(1_000_000, record.Events);
        Assert.Equal(Defaults.EventHubsUsdPerMillionEvents, record.Usd.EventHubs);
        Assert.Equal((decimal)(record.DurationMs / 1000.0) * 4m * Defaults.ComputeUsdPerGbSecond, record.Usd.Compute);
    }

    [Fact]
    public async Task A_failing_function_is_recorded_as_failed_and_its_exception_is_not_touched()
    {
        using var app = new TestApp();
        var thrown = new TimeoutException("store down");

        var caught = await Assert.ThrowsAsync<TimeoutException>(() =>
            app.Create<FinOpsMiddleware>().Invoke(TestApp.Context("Aggregate", "eventHubTrigger"), _ => throw thrown));
        await app.LedgerBuffer.FlushAsync(CancellationToken.None);

        Assert.Same(thrown, caught);
        Assert.False(Assert.Single(app.LedgerWritten).Succeeded);
    }

    [Fact]
    public async Task A_recording_failure_never_fails_the_invocation()
    {
        using var app = new TestApp();
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Throws(new InvalidOperationException("broken metadata"));
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.InvocationId).Returns("inv");
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        var ran = false;

        await app.Create<FinOpsMiddleware>().Invoke(context.Object, _ => { ran = true; return Task.CompletedTask; });
        await app.LedgerBuffer.FlushAsync(CancellationToken.None);

        Assert.True(ran);
        Assert.Empty(app.LedgerWritten);
    }

    [Fact]
    public async Task Each_invocation_gets_its_own_usage_scope()
    {
        using var app = new TestApp();
        var outer = InvocationUsage.Current;

        await app.Create<FinOpsMiddleware>().Invoke(TestApp.Context("Totals", "httpTrigger"), _ =>
        {
            Assert.NotNull(InvocationUsage.Current);
            Assert.NotSame(outer, InvocationUsage.Current);
            return Task.CompletedTask;
        });

        Assert.Same(outer, InvocationUsage.Current);
    }

    [Theory]
    [InlineData("eventHubTrigger", "eventHub")]
    [InlineData("httpTrigger", "http")]
    [InlineData("entityTrigger", "entity")]
    [InlineData("timerTrigger", "timer")]
    [InlineData("queueTrigger", "queue")]
    public void The_trigger_is_named_from_the_trigger_binding(string bindingType, string trigger) =>
        Assert.Equal(trigger, FinOpsMiddleware.TriggerOf(TestApp.Context("f", bindingType).FunctionDefinition));
}
