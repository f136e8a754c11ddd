using System.Text;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Local.Tests;

/// <summary>The store-write floor (<see cref="TrafficFloor"/>): known sequences give known floors, and it partitions
/// users with the local host's own function.</summary>
public sealed class TrafficFloorTests
{
    [Fact]
    public void One_partition_cut_into_batches_counts_distinct_users_per_batch()
    {
        var floor = new TrafficFloor(1, [1, 2, 4]);
        foreach (var user in new[] { "a", "a", "b", "b" }) floor.Add(user);

        Assert.Equal(4, floor.Events);
        Assert.Equal(1.0, floor.PerEvent(1));   // every event its own batch
        Assert.Equal(0.5, floor.PerEvent(2));   // {a,a} {b,b}
        Assert.Equal(0.5, floor.PerEvent(4));   // {a,a,b,b}
    }

    [Fact]
    public void The_last_partial_batch_counts_as_the_batch_it_is()
    {
        var floor = new TrafficFloor(1, [2, 3]);
        foreach (var user in new[] { "a", "b", "a", "c", "c" }) floor.Add(user);

        Assert.Equal(5.0 / 5, floor.PerEvent(2)); // {a,b} {a,c} {c}: 2 + 2 + 1
        Assert.Equal(3.0 / 5, floor.PerEvent(3)); // {a,b,a} {c,c}: 2 + 1
    }

    [Fact]
    public void Users_of_different_partitions_never_share_a_batch()
    {
        var (x, y) = TwoUsersInDifferentPartitions(2);
        var split = new TrafficFloor(2, [2]);
        var together = new TrafficFloor(1, [2]);
        foreach (var user in new[] { x, y, x, y })
        {
            split.Add(user);
            together.Add(user);
        }

        Assert.Equal(0.5, split.PerEvent(2));    // partition of x: {x,x}; of y: {y,y}
        Assert.Equal(1.0, together.PerEvent(2)); // {x,y} {x,y}
    }

    [Fact]
    public async Task The_partition_of_a_user_is_the_one_the_local_event_log_stores_it_in()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"th-floor-{Guid.NewGuid():N}");
        try
        {
            using var log = new LocalEventLog(folder, 8);
            for (var i = 0; i < 40; i++)
            {
                var user = $"u-{i}";
                var before = log.Partitions.Select(p => p.NextSequenceNumber).ToArray();
                var message = Encoding.UTF8.GetBytes($$"""{"eventId":"e-{{i}}","userId":"{{user}}","itemId":"t-1","type":"view","timestamp":"2026-01-01T00:00:00Z"}""");
                await log.AppendAsync([message], DateTimeOffset.UtcNow, CancellationToken.None);
                var grown = Enumerable.Range(0, 8).Single(p => log.Partitions[p].NextSequenceNumber > before[p]);

                Assert.Equal(grown, LocalEventLog.PartitionOf(user, 8));
                Assert.Equal((int)(ShardRouting.StableHash(user) % 8), grown);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Batch_sizes_must_be_given_positive_and_distinct_and_only_those_can_be_asked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrafficFloor(0, [100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrafficFloor(8, [0]));
        Assert.Throws<ArgumentException>(() => new TrafficFloor(8, []));
        Assert.Throws<ArgumentException>(() => new TrafficFloor(8, [100, 100]));
        var floor = new TrafficFloor(8, [100]);
        Assert.Equal(0, floor.PerEvent(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => floor.PerEvent(500));
    }

    private static (string, string) TwoUsersInDifferentPartitions(int partitions)
    {
        var first = "u-0";
        for (var i = 1; ; i++)
        {
            var other = $"u-{i}";
            if (LocalEventLog.PartitionOf(other, partitions) != LocalEventLog.PartitionOf(first, partitions)) return (first, other);
        }
    }
}
