using TreasureHunt.Core.Erasure;
using TreasureHunt.Local.EventLog;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>What a host's event log still holds of erased users, read as another process reads it (the history source).</summary>
internal static class EventLogContents
{
    /// <summary>Waits until no record of these users before their last erasure is left in the log (the host's compaction).</summary>
    public static async Task WaitUntilCompactedAsync(string stateDir, IReadOnlySet<string> erased, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = await ErasedRecordsLeftAsync(stateDir, erased);
            if (left == 0) return;
            Assert.True(DateTime.UtcNow < deadline, $"{left} records of erased users before their erasure are still in the event log after {timeout}");
            await Task.Delay(500);
        }
    }

    /// <summary>Records of these users before their last erasure (or of a user with no erasure in the log) in every partition.</summary>
    public static async Task<int> ErasedRecordsLeftAsync(string stateDir, IReadOnlySet<string> erased)
    {
        var history = new LocalEventLogHistorySource(Path.Combine(stateDir, "log"));
        var left = 0;
        foreach (var partition in await history.PartitionsAsync(default))
        {
            var records = new List<(long Sequence, string User, bool Erasure)>();
            for (var after = -1L; ;)
            {
                var read = await history.ReadAsync(partition, after, 10_000, default);
                if (read.Count == 0) break;
                foreach (var m in read)
                {
                    if (UserIdReader.TryRead(m.Body.Span, out var user) && erased.Contains(user))
                    {
                        records.Add((m.SequenceNumber, user, EraseControlMessage.IsControl(m.Body.Span)));
                    }
                }
                after = read[^1].SequenceNumber;
            }
            var lastErasure = records.Where(r => r.Erasure).GroupBy(r => r.User).ToDictionary(g => g.Key, g => g.Max(r => r.Sequence));
            left += records.Count(r => !lastErasure.TryGetValue(r.User, out var at) || r.Sequence < at);
        }
        return left;
    }
}
