using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// approxDistinct: the estimated number of distinct values of <c>of</c> (itemId, category or a string attribute) over
/// the events that pass the filter and carry it, from a HyperLogLog
/// sketch (stored as <c>hll</c>, its compact bytes), lifetime and per tumbling tile (<c>wh</c>: one sketch per tile; a
/// window's estimate is that of the union of its tiles). Merges by register-wise max: the sketch of the union.
/// </summary>
internal sealed class ApproxDistinctAggregator : IAggregator
{
    /// <summary>Upper bound of one sketch's compact bytes (default precision).</summary>
    private static readonly long MaxSketchBytes = HyperLogLog.MaxSerializedSize(HyperLogLog.DefaultPrecision);

    public string Name => AggregationKind.ApproxDistinct;

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.Windows;

    public void Declare(FeatureDeclaration declaration) => declaration.ParseTextOf();

    public long WorstCaseBytes(CompiledFeature feature)
    {
        var bytes = MaxSketchBytes * 4 / 3 + 16;
        foreach (var w in feature.Tumbling) bytes += 16 + (30 + (long)w.Keep * (10 + 5 + MaxSketchBytes)) * 4 / 3;
        return bytes;
    }

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        state.Hll ??= state.Sketch is { Length: > 0 } bytes ? HyperLogLog.FromBytes(bytes) : new HyperLogLog();
        (state.SketchTiles, state.SketchRings) = TileSlots<HyperLogLog>.Bind(feature, state.SketchTiles, keep => new SketchTiles(keep), (ring, keep) => ring.Resize(keep));
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached)
    {
        var value = matches ? feature.Of!.TextOf(e) : null;
        var accepted = value is not null;
        var hash = accepted ? HyperLogLog.Hash(value!) : 0;
        if (accepted) state.Hll!.Add(hash);
        var rings = state.SketchRings;
        if (rings.Length == 0) return true;
        // Every ring follows the user's newest event, whether or not this event passes the filter (as the counters do).
        var tumbling = feature.Tumbling;
        var lastSeconds = context.Last.ToUnixTimeSeconds();
        var eventSeconds = e.Timestamp.ToUnixTimeSeconds();
        var inAll = true;
        for (var i = 0; i < rings.Length; i++)
        {
            var length = tumbling[i].Unit!.Value.Seconds();
            var ring = rings[i];
            ring.Advance(TileRing.IndexOf(lastSeconds, length));
            if (!accepted) continue;
            var tile = TileRing.IndexOf(eventSeconds, length);
            if (!ring.Holds(tile)) { inAll = false; continue; }
            if (!ring.TryGet(tile, out var sketch)) ring.Set(tile, sketch = new HyperLogLog());
            sketch.Add(hash);
        }
        return inAll;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        into.Hll!.Merge(other.Hll!);
        for (var i = 0; i < into.SketchRings.Length; i++)
        {
            var ring = into.SketchRings[i];
            var theirs = other.SketchRings[i];
            if (theirs.Newest == long.MinValue) continue;
            ring.Advance(theirs.Newest);
            foreach (var (tile, sketch) in theirs.Held())
            {
                if (!ring.Holds(tile)) continue;
                if (!ring.TryGet(tile, out var ours)) ring.Set(tile, ours = new HyperLogLog(sketch.Precision));
                ours.Merge(sketch);
            }
        }
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames)
    {
        if (window.IsLifetime) return state.DistinctEstimate();
        if (state.SketchTiles?.GetValueOrDefault(window.Unit!.Value.Name()) is not { } ring) return 0L;
        var union = new HyperLogLog();
        foreach (var tile in window.TileIndexes(now))
        {
            if (ring.TryGet(tile, out var sketch)) union.Merge(sketch);
        }
        return (long)Math.Round(union.Estimate());
    }

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) =>
        [new AnswerColumn(feature.Name, AnswerColumnType.Long, v => v)];
}
