using System.Diagnostics;
using System.Globalization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using TreasureHunt.Tools.Load;
using TreasureHunt.Pipeline.Export;

namespace TreasureHunt.Benchmarks;

/// <summary>
/// Diagnostic mode (not a BenchmarkDotNet benchmark): the point-in-time export's replay over an in-memory history of
/// the load generator's traffic (50,000 Zipf users, 1 % duplicates, 0.1 % bad messages; 8 partitions, 1,000 events/s of
/// enqueue time), 10,000 label rows of 2,000 users spread over the whole stream, every default user feature (lifetime).
/// Prints messages replayed per second and the most user documents held.
/// Usage: dotnet run -c Release --project tests/TreasureHunt.Benchmarks -- --export [messages]
/// </summary>
internal static class ExportProfile
{
    public static void Run(int messageCount)
    {
        var t0 = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        var generator = new EventGenerator(new LoadProfile());
        var partitions = Enumerable.Range(0, 8).Select(_ => new List<RawMessage>()).ToArray();
        var users = new List<string>();
        for (var i = 0; i < messageCount; i++)
        {
            var enqueued = t0.AddMilliseconds(i);
            var body = generator.Next(enqueued).Body;
            var partition = partitions[i % partitions.Length];
            partition.Add(new RawMessage(body, partition.Count, enqueued));
            if (users.Count < 2_000 && TreasureHunt.Local.EventLog.UserIdReader.TryRead(body, out var user) && !users.Contains(user)) users.Add(user);
        }
        var random = new Random(7);
        var span = TimeSpan.FromMilliseconds(messageCount);
        var labels = Enumerable.Range(0, 10_000).Select(i => new LabelRow(i, users[random.Next(users.Count)], t0 + span * random.NextDouble())).ToList();
        var definitions = CompiledDefinitions.Default;
        var features = definitions.User.Where(f => f.Kind is not (AggregationKind.Count or AggregationKind.Sum) || f.Lifetime).ToList();
        var source = new MemoryHistory(partitions);

        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        var result = new PointInTimeExport(definitions, DeliveryRules.Default)
            .RunAsync(source, labels, features, QueryWindow.Lifetime, null, CancellationToken.None).GetAwaiter().GetResult();
        var elapsed = clock.Elapsed;
        var s = result.Summary;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.MessagesRead:N0} messages replayed in {elapsed.TotalSeconds:N2} s: {s.MessagesRead / elapsed.TotalSeconds:N0} messages/s; " +
            $"{s.EventsApplied:N0} events of {s.UsersWithEvents:N0} labelled users applied, {s.DeadLettered:N0} dead letters; " +
            $"{labels.Count:N0} rows x {features.Count} features; at most {s.PeakDocuments:N0} documents held; " +
            $"{(GC.GetTotalAllocatedBytes() - allocated) / (double)s.MessagesRead:N0} B allocated per message"));
    }

    private sealed class MemoryHistory(List<RawMessage>[] partitions) : IHistorySource
    {
        public string Description => "memory";

        public Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(Enumerable.Range(0, partitions.Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList());

        public Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken)
        {
            var list = partitions[int.Parse(partitionId, CultureInfo.InvariantCulture)];
            var start = (int)Math.Min(afterSequence + 1, list.Count);
            return Task.FromResult<IReadOnlyList<RawMessage>>(list.GetRange(start, Math.Min(maxMessages, list.Count - start)));
        }
    }
}
