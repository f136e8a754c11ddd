using System.Text.Json.Nodes;
using Spectre.Console;
using TreasureHunt.Tools.Cli;

namespace TreasureHunt.Local.Tests;

/// <summary>./th bench --curve: its batching rule, its default rate, its arguments and its JSON (merged into an existing bench JSON).</summary>
public sealed class BenchCurveTests
{
    [Theory]
    // 8 partitions at 1,000 events/s: a partition gathers 100 events in 0.8 s; × 1.5 = 1.2 s.
    [InlineData(100, 8, 1_000, 99, 1_200)]
    [InlineData(1_000, 8, 1_000, 999, 12_000)]
    [InlineData(5_000, 8, 1_000, 4_999, 60_000)]
    // 5,000 at 50 events/s would take 800 s × 1.5: capped at Azure's longest maxWaitTime, 10 minutes.
    [InlineData(5_000, 8, 50, 4_999, 600_000)]
    // Rounded up to 100 ms, never below 100 ms; a batch of 1 needs no wait for more.
    [InlineData(100, 8, 3_000, 99, 400)]
    [InlineData(10, 1, 1_000_000, 9, 100)]
    [InlineData(1, 8, 1_000, 1, 100)]
    public void Batching_waits_for_a_full_batch_for_the_time_a_partition_needs_to_gather_it(int max, int partitions, double rate, int expectedMin, int expectedWaitMs)
    {
        var (min, wait) = BenchCurve.Batching(max, partitions, rate);

        Assert.Equal(expectedMin, min);
        Assert.Equal(expectedWaitMs, wait);
    }

    [Fact]
    public void The_freshness_phase_sends_at_least_two_full_batches_per_partition()
    {
        Assert.Equal(20_000, BenchCurve.FreshnessEvents(100, 8, 1_000, 20));
        Assert.Equal(80_000, BenchCurve.FreshnessEvents(5_000, 8, 1_000, 20));
    }

    [Theory]
    [InlineData(2_400, 1_000)]
    [InlineData(1_999, 500)]
    [InlineData(1_000, 500)]
    [InlineData(900, 200)]
    [InlineData(120, 50)]
    [InlineData(30, 10)]
    [InlineData(0, 10)]
    [InlineData(double.NaN, 10)]
    public void The_default_offered_rate_is_half_the_batch_100_throughput_rounded_down_to_1_2_5(double eventsPerSecond, double expected) =>
        Assert.Equal(expected, BenchCurve.DefaultRate(eventsPerSecond));

    [Theory]
    [InlineData("--curve-rate must be > 0", "bench", "--curve", "--curve-rate", "0")]
    [InlineData("--png needs --curve", "bench", "--png", "chart.png")]
    [InlineData("--png: no such directory", "bench", "--curve", "--png", "/no/such/dir/chart.png")]
    [InlineData("--curve runs the sessionized workload only", "bench", "--curve", "--uniform")]
    public void Bad_curve_arguments_give_one_line_and_exit_code_2(string expected, params string[] args)
    {
        var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });

        var exitCode = ThApp.Create(console, errors).Run(args);

        Assert.Equal(ThApp.BadArgumentsExitCode, exitCode);
        Assert.Contains(expected, Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task The_curve_is_set_in_an_existing_bench_json_and_its_other_fields_are_kept()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(path, """{ "events": 200000, "machine": "old machine", "preaggregated": { "eventsPerSecond": 4349 }, "curve": [ { "old": true } ] }""");

            await BenchCurve.WriteJsonAsync(path, new JsonObject { ["curveOfferedRate"] = 1000.0, ["curve"] = new JsonArray(new JsonObject { ["maxEventBatchSize"] = 100 }) }, CancellationToken.None);

            var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            Assert.Equal(200000, json["events"]!.GetValue<long>());
            Assert.Equal("old machine", json["machine"]!.GetValue<string>());
            Assert.Equal(4349, json["preaggregated"]!["eventsPerSecond"]!.GetValue<int>());
            Assert.Equal(1000.0, json["curveOfferedRate"]!.GetValue<double>());
            Assert.Equal(100, Assert.Single(json["curve"]!.AsArray())!["maxEventBatchSize"]!.GetValue<int>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Without_an_existing_file_the_json_has_the_machine_and_the_curve()
    {
        var path = Path.Combine(Path.GetTempPath(), $"curve-{Guid.NewGuid():N}.json");
        try
        {
            await BenchCurve.WriteJsonAsync(path, new JsonObject { ["curve"] = new JsonArray() }, CancellationToken.None);

            var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            Assert.Equal(["machine", "curve"], json.Select(p => p.Key));
            Assert.Contains("cores", json["machine"]!.GetValue<string>());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
