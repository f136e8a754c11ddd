using System.Globalization;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests;

public class HyperLogLogTests
{
    /// <summary>A sketch of <paramref name="count"/> distinct values (a counter behind a per-set random prefix), each added twice.</summary>
    private static HyperLogLog SketchOf(int count, int seed, int precision = HyperLogLog.DefaultPrecision, int from = 0)
    {
        var prefix = new Random(seed).NextInt64().ToString("x16", CultureInfo.InvariantCulture);
        var sketch = new HyperLogLog(precision);
        Span<char> value = stackalloc char[40];
        prefix.AsSpan().CopyTo(value);
        for (var i = from; i < from + count; i++)
        {
            i.TryFormat(value[16..], out var written);
            sketch.Add(value[..(16 + written)]);
            sketch.Add(value[..(16 + written)]); // a repeat changes nothing
        }
        return sketch;
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(5_000)]
    [InlineData(10_000)]
    [InlineData(20_000)]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    public void Estimates_fall_within_three_standard_errors(int count)
    {
        foreach (var precision in (int[])[10, 12, 14])
        {
            var sigma = HyperLogLog.RelativeStandardError(precision);
            for (var seed = 1; seed <= (count >= 1_000_000 ? 1 : 4); seed++)
            {
                var estimate = SketchOf(count, seed * 7919 + precision, precision).Estimate();
                var error = Math.Abs(estimate - count) / count;
                Assert.True(error <= 3 * sigma, $"p={precision} n={count} seed={seed}: estimate {estimate:F1}, error {error:P2} > 3σ = {3 * sigma:P2}");
            }
        }
    }

    [Fact]
    public void The_error_bound_is_one_point_oh_four_over_the_root_of_the_register_count()
    {
        Assert.Equal(1.04 / 64, HyperLogLog.RelativeStandardError(12), 12);
        Assert.Equal(1.04 / 32, HyperLogLog.RelativeStandardError(10), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => HyperLogLog.RelativeStandardError(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperLogLog(17));
        Assert.Equal(0, new HyperLogLog().Estimate());
    }

    [Theory]
    [InlineData(50, 70, 10)]          // sparse + sparse, stays sparse
    [InlineData(600, 700, 300)]       // sparse + sparse, turns dense
    [InlineData(30_000, 200, 100)]    // dense + sparse
    [InlineData(300, 40_000, 150)]    // sparse + dense
    [InlineData(50_000, 60_000, 20_000)] // dense + dense
    public void Merge_is_the_sketch_of_the_union(int a, int b, int overlap)
    {
        // A = [0, a), B = [a − overlap, a − overlap + b): the union is [0, max(a, a − overlap + b)).
        var left = SketchOf(a, seed: 5);
        var right = SketchOf(b, seed: 5, from: a - overlap);
        var union = SketchOf(Math.Max(a, a - overlap + b), seed: 5);

        left.Merge(right);

        Assert.Equal(union.ToBytes(), left.ToBytes());
        Assert.Equal(union.Estimate(), left.Estimate());
        Assert.Throws<ArgumentException>(() => left.Merge(new HyperLogLog(10)));
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(4, 3)]
    [InlineData(4, 1000)]
    [InlineData(10, 1)]
    [InlineData(12, 1_000)]
    [InlineData(12, 1_100)]
    [InlineData(12, 100_000)]
    [InlineData(16, 5_000)]
    [InlineData(16, 200_000)]
    public void Serialization_round_trips_within_the_size_bound(int precision, int count)
    {
        var sketch = SketchOf(count, seed: 11, precision);
        var bytes = sketch.ToBytes();
        var back = HyperLogLog.FromBytes(bytes);

        Assert.Equal(bytes, back.ToBytes());
        Assert.Equal(sketch.Estimate(), back.Estimate());
        Assert.Equal(sketch.IsDense, back.IsDense);
        Assert.True(bytes.Length <= HyperLogLog.MaxSerializedSize(precision));
        Assert.Equal(2 + 3 * (1 << precision) / 4, HyperLogLog.MaxSerializedSize(precision));
        // Adding the same values again to the copy changes nothing.
        Assert.Equal(bytes, Merged(back, SketchOf(count, seed: 11, precision)).ToBytes());
    }

    [Fact]
    public void At_the_default_precision_a_sketch_never_exceeds_3074_bytes()
    {
        Assert.Equal(3074, HyperLogLog.MaxSerializedSize(HyperLogLog.DefaultPrecision));
        Assert.Equal(3074, SketchOf(1_000_000, seed: 3).ToBytes().Length);
        // Sparse: 3 bytes a set register (100 values set about 99 of the 4,096).
        var small = SketchOf(100, seed: 3).ToBytes().Length;
        Assert.InRange(small, 2 + 3 * 95, 2 + 3 * 100);
    }

    [Theory]
    [InlineData(new byte[] { }, "fewer than 2")]
    [InlineData(new byte[] { 1, 3 }, "precision 3")]
    [InlineData(new byte[] { 9, 12 }, "unknown format")]
    [InlineData(new byte[] { 1, 12, 0, 0 }, "sparse body")]
    [InlineData(new byte[] { 1, 12, 0, 0, 0 }, "rank 0")]
    [InlineData(new byte[] { 1, 12, 0, 0, 0x41, 0, 0, 0x41 }, "out of order")]
    [InlineData(new byte[] { 2, 12, 0 }, "dense body")]
    public void Malformed_bytes_are_refused_with_the_reason(byte[] bytes, string reason)
    {
        var error = Assert.Throws<FormatException>(() => HyperLogLog.FromBytes(bytes));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_allocates_nothing_in_steady_state()
    {
        var sketch = SketchOf(100_000, seed: 1); // dense
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong i = 0; i < 100_000; i++)
        {
            sketch.Add(i * 0x9E3779B97F4A7C15UL);
            sketch.Add("some-item-id".AsSpan());
        }
        var estimate = sketch.Estimate();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(estimate > 0);
    }

    private static HyperLogLog Merged(HyperLogLog a, HyperLogLog b)
    {
        a.Merge(b);
        return a;
    }
}
