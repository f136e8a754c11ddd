using System.Text.Json;
using TreasureHunt.Capacity;
using TreasureHunt.Tools.Cli;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Local.Tests;

/// <summary>The bench JSON keeps today's top-level fields for the uniform workload (what ./th plan reads) and puts the
/// sessionized workload's figures, of the same shape, beside them.</summary>
public sealed class BenchOutputTests
{
    private static BenchCommand.StrategyResult Strategy(double eventsPerSecond, double writes, double floor) =>
        new(eventsPerSecond, writes, RuPerEvent: writes * 6, FreshnessP50Ms: 100, FreshnessP99Ms: 900, EntitySignalsPerEvent: 0.009,
            UsdPerMillionEvents: writes * 2, Events: 1_000, RuEstimated: true, Entities: [], Queries: [],
            StoreWritesFloorPerEvent: floor, FloorBatchSize: 1_000, Partitions: 8, UserWritesPerEvent: writes - 0.01,
            ProgressWritesPerBatch: 1, OtherWritesPerEvent: 0.002, TimerProgressWrites: 16);

    private static readonly BenchCommand.WorkloadResult Sessions =
        new(LoadWorkload.Sessions, "sessions: …", Strategy(5_000, 0.30, 0.28), Strategy(100, 1.0, 0.28));

    private static readonly BenchCommand.WorkloadResult Uniform =
        new(LoadWorkload.Uniform, "uniform: …", Strategy(4_000, 0.41, 0.40), Strategy(90, 0.99, 0.40));

    [Fact]
    public void Both_workloads_give_the_uniform_figures_at_the_top_and_the_sessions_figures_beside_them()
    {
        var json = BenchCommand.Output(1_000, "test machine", [Sessions, Uniform]).ToJsonString();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal("uniform: …", root.GetProperty("workload").GetString());
        Assert.Equal(4_000, root.GetProperty("preaggregated").GetProperty("eventsPerSecond").GetDouble());
        Assert.Equal(0.40, root.GetProperty("preaggregated").GetProperty("storeWritesFloorPerEvent").GetDouble());
        Assert.Equal(0.40, root.GetProperty("perEvent").GetProperty("storeWritesFloorPerEvent").GetDouble());
        Assert.Equal(0.4, root.GetProperty("preaggregated").GetProperty("userWritesPerEvent").GetDouble(), 6);
        Assert.Equal(16, root.GetProperty("preaggregated").GetProperty("timerProgressWrites").GetInt64());
        Assert.Equal(Math.Round(0.99 / 0.41, 2), root.GetProperty("ratios").GetProperty("storeWrites").GetDouble());
        var sessions = root.GetProperty("sessions");
        Assert.Equal("sessions: …", sessions.GetProperty("workload").GetString());
        Assert.Equal(5_000, sessions.GetProperty("preaggregated").GetProperty("eventsPerSecond").GetDouble());
        Assert.Equal(0.28, sessions.GetProperty("perEvent").GetProperty("storeWritesFloorPerEvent").GetDouble());
        Assert.Equal(Math.Round(1.0 / 0.30, 2), sessions.GetProperty("ratios").GetProperty("storeWrites").GetDouble());

        // ./th plan reads the uniform workload's figures, as before.
        var measured = MeasuredFigures.FromBenchJson(json);
        Assert.Equal(4_000, measured.EventsPerSecond);
        Assert.Equal(0.41, measured.StoreWritesPerEvent);
    }

    [Fact]
    public void A_workload_table_renders_with_its_description_and_the_floor_row()
    {
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(output), Ansi = Spectre.Console.AnsiSupport.No });
        var sessions = Sessions with { Description = new LoadProfile(Workload: LoadWorkload.Sessions).DescribeWorkload() }; // holds "E[L]": not markup

        console.Write(BenchCommand.Table(sessions, 5_000));

        var text = output.ToString();
        Assert.Contains("floor", text);
        Assert.Contains("0.2800", text);
        Assert.Contains("E[L]", text);
    }

    [Fact]
    public void A_sessions_only_run_has_no_uniform_figures_at_the_top()
    {
        var json = BenchCommand.Output(1_000, "test machine", [Sessions]).ToJsonString();
        using var document = JsonDocument.Parse(json);

        Assert.False(document.RootElement.TryGetProperty("preaggregated", out _));
        Assert.True(document.RootElement.GetProperty("sessions").TryGetProperty("preaggregated", out _));
        Assert.Contains("uniform", Assert.Throws<FormatException>(() => MeasuredFigures.FromBenchJson(json)).Message);
    }
}
