using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// What min, max, first and last share: one value of <c>of</c> (value or a number attribute) over the events that pass
/// the filter and carry it, kept by an order
/// (<typeparamref name="TOrder"/>), lifetime (<c>v</c>, and <c>t</c> — the event time, UTC ticks — when the order is by
/// time) and per tumbling tile (<c>wv</c>: one value per tile, <see cref="ValueTiles"/>). Merges by keeping the value
/// that comes first in the order, per tile aligned by tile index.
/// </summary>
internal abstract class ValueAggregator<TOrder> : IAggregator where TOrder : IValueOrder
{
    public abstract string Name { get; }

    /// <summary>Whether the value's event time is kept and answered (first, last).</summary>
    protected abstract bool KeepsTime { get; }

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.Windows;

    public void Declare(FeatureDeclaration declaration) => declaration.ParseNumberOf();

    public long WorstCaseBytes(CompiledFeature feature)
    {
        var bytes = 2 * 25L;
        foreach (var w in feature.Tumbling) bytes += 16 + (30 + (long)w.Keep * (10 + 8 + 10)) * 4 / 3;
        return bytes;
    }

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        (state.ValueTiles, state.ValueRings) = TileSlots<ValueTile>.Bind(feature, state.ValueTiles, keep => new ValueTiles(keep), (ring, keep) => ring.Resize(keep));
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached)
    {
        var number = matches ? feature.Of!.NumberOf(e) : null;
        var accepted = number is not null;
        var value = new ValueTile(number.GetValueOrDefault(), KeepsTime ? e.Timestamp.UtcTicks : 0);
        if (accepted) Keep(state, value);
        var rings = state.ValueRings;
        if (rings.Length == 0) return true;
        // Every ring follows the user's newest event, whether or not this event passes the filter (as the counters do).
        var tumbling = feature.Tumbling;
        var lastSeconds = context.Last.ToUnixTimeSeconds();
        var eventSeconds = e.Timestamp.ToUnixTimeSeconds();
        var inAll = true;
        for (var i = 0; i < rings.Length; i++)
        {
            var length = tumbling[i].Unit!.Value.Seconds();
            rings[i].Advance(TileRing.IndexOf(lastSeconds, length));
            if (accepted) inAll &= KeepInTile(rings[i], TileRing.IndexOf(eventSeconds, length), value);
        }
        return inAll;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (other.Value is { } value) Keep(into, new ValueTile(value, other.Ticks ?? 0));
        for (var i = 0; i < into.ValueRings.Length; i++)
        {
            var ring = into.ValueRings[i];
            var theirs = other.ValueRings[i];
            if (theirs.Newest == long.MinValue) continue;
            ring.Advance(theirs.Newest);
            foreach (var (tile, tileValue) in theirs.Held()) KeepInTile(ring, tile, tileValue);
        }
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames)
    {
        ValueTile? best = null;
        if (window.IsLifetime)
        {
            if (state.Value is { } v) best = new ValueTile(v, state.Ticks ?? 0);
        }
        else if (state.ValueTiles?.GetValueOrDefault(window.Unit!.Value.Name()) is { } ring)
        {
            foreach (var tile in window.TileIndexes(now))
            {
                if (ring.TryGet(tile, out var held) && (best is null || TOrder.Precedes(held, best.Value))) best = held;
            }
        }
        if (best is not { } answer) return null;
        return KeepsTime ? new FeatureTimedValue(answer.Value, new DateTime(answer.Ticks, DateTimeKind.Utc)) : answer.Value;
    }

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => KeepsTime
        ?
        [
            new AnswerColumn(feature.Name, AnswerColumnType.Double, v => ((FeatureTimedValue)v).Value),
            new AnswerColumn(feature.Name + ".time", AnswerColumnType.Time, v => ((FeatureTimedValue)v).Time),
        ]
        : [new AnswerColumn(feature.Name, AnswerColumnType.Double, v => v)];

    private void Keep(FeatureState state, ValueTile candidate)
    {
        if (state.Value is { } held && !TOrder.Precedes(candidate, new ValueTile(held, state.Ticks ?? 0))) return;
        state.Value = candidate.Value;
        if (KeepsTime) state.Ticks = candidate.Ticks;
    }

    /// <summary>Keeps <paramref name="candidate"/> in its tile when it comes first; false when the tile is past retention.</summary>
    private static bool KeepInTile(ValueTiles ring, long tile, ValueTile candidate)
    {
        if (!ring.Holds(tile)) return false;
        if (!ring.TryGet(tile, out var held) || TOrder.Precedes(candidate, held)) ring.Set(tile, candidate);
        return true;
    }
}
