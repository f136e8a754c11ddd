using System.Text.Json;
using FsCheck.Xunit;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>Counter rings against a brute-force model: what they hold, sliding windows merged from tiles, the wire format.</summary>
public class TileRingTests
{
    [Property(MaxTest = 200)]
    public void A_ring_holds_exactly_the_tiles_counted_back_from_the_newest_and_survives_serialization(int seed)
    {
        var rng = new Random(seed);
        var keep = rng.Next(1, 40);
        var buckets = rng.Next(1, 7);
        var ring = new TileRing(keep, buckets, sums: false);
        var events = new List<(long Tile, int Bucket)>();
        var newest = long.MinValue;
        for (var i = 0; i < rng.Next(1, 300); i++)
        {
            var tile = 1000 + rng.Next(0, 120);
            var bucket = rng.Next(buckets);
            newest = Math.Max(newest, tile);
            ring.Advance(newest);
            var added = ring.Add(tile, bucket, 1, 0);
            Assert.Equal(tile > newest - keep, added);
            events.Add((tile, bucket));
        }
        var decoded = JsonSerializer.Deserialize<TileRing>(JsonSerializer.Serialize(ring))!;
        foreach (var r in new[] { ring, decoded })
        {
            for (var tile = newest - keep - 5; tile <= newest + 2; tile++)
            {
                for (var b = 0; b < buckets; b++)
                {
                    // Brute force: events of that tile, if the tile is within retention of the newest.
                    var expected = tile > newest - keep && tile <= newest ? events.Count(e => e.Tile == tile && e.Bucket == b) : 0;
                    Assert.Equal(expected, r.CountAt(tile, b));
                }
            }
        }
        Assert.Equal(ring.NonEmptyTiles(), decoded.NonEmptyTiles());
    }

    [Property(MaxTest = 100)]
    public void Sliding_windows_merged_from_tiles_equal_brute_force(int seed)
    {
        var rng = new Random(seed);
        var keep = 120;
        var ring = new TileRing(keep, 1, sums: false);
        var times = new List<long>();
        var origin = 1_800_000_000L;
        var last = origin;
        for (var i = 0; i < 500; i++)
        {
            var t = origin + rng.Next(0, 4 * 3600);
            times.Add(t);
            last = Math.Max(last, t);
            ring.Advance(last / 60);
            ring.Add(t / 60, 0, 1, 0);
        }
        var now = last + rng.Next(0, 600);
        var n = rng.Next(1, keep + 1);
        var window = new QueryWindow(Core.Aggregation.WindowSize.Minute, n);
        var fromTiles = window.TileIndexes(DateTimeOffset.FromUnixTimeSeconds(now)).Sum(tile => ring.CountAt(tile, 0));
        // Brute force: events whose minute is one of the newest n minutes up to now's minute.
        var nowMinute = now / 60;
        var brute = times.Count(t => t / 60 > nowMinute - n && t / 60 <= nowMinute);
        Assert.Equal(brute, fromTiles);
    }

    [Fact]
    public void A_ring_keeps_its_size_whatever_the_traffic()
    {
        var ring = new TileRing(120, 5, sums: false);
        for (var tile = 0L; tile < 100_000; tile++)
        {
            ring.Advance(tile);
            ring.Add(tile, (int)(tile % 5), 3_000 * 60, 0);
        }
        Assert.Equal(600, ring.Counts!.Length);
        Assert.Equal(120, ring.NonEmptyTiles().Count());
        var json = JsonSerializer.Serialize(ring);
        Assert.True(json.Length < 2_000, $"{json.Length} chars");
    }

    [Fact]
    public void Sums_rings_and_resizing_keep_what_fits()
    {
        var ring = new TileRing(10, 2, sums: true);
        ring.Advance(100);
        ring.Add(95, 1, 0, 2.5);
        ring.Add(100, 0, 0, -1.25);
        var decoded = JsonSerializer.Deserialize<TileRing>(JsonSerializer.Serialize(ring))!;
        Assert.Equal(2.5, decoded.SumAt(95, 1));
        Assert.Equal(-1.25, decoded.SumAt(100, 0));
        var smaller = decoded.Resize(3, 3, [2, 0]);
        Assert.Equal(0, smaller.SumAt(95, 1));
        Assert.Equal(-1.25, smaller.SumAt(100, 2));
    }

    [Fact]
    public void A_corrupt_ring_is_a_json_error()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TileRing>("\"not base64!\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TileRing>("\"AQ==\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TileRing>("12"));
    }
}
