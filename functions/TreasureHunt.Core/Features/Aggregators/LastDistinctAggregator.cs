using System.Runtime.InteropServices;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// lastDistinct: the k most recent distinct values of <c>of</c> (itemId, category or a string attribute) over the events
/// that pass the filter and carry it, each with its latest event time,
/// newest first (ties by value, ordinal), lifetime. Stored as <c>ids</c> and <c>at</c> (UTC ticks). The kept set is the
/// top k of the values by latest time whatever the arrival order, and merging two top-k lists gives the top k of the
/// union — exact even when values were dropped beyond k: a value dropped by a part has k newer ones in that part.
/// </summary>
internal sealed class LastDistinctAggregator : IAggregator
{
    public const int MaxK = 1000;

    public string Name => AggregationKind.LastDistinct;

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.K;

    public void Declare(FeatureDeclaration declaration)
    {
        declaration.ParseTextOf();
        if (declaration.Definition.K is not { } k || k < 1 || k > MaxK) declaration.Error($"lastDistinct needs 'k' from 1 to {MaxK}");
        else declaration.K = k;
    }

    public long WorstCaseBytes(CompiledFeature feature) => feature.K * (long)(128 + 4 + 21);

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        var ids = state.Ids ??= [];
        var ticks = state.IdTicks ??= [];
        if (ids.Count != ticks.Count) { ids.Clear(); ticks.Clear(); }
        while (ids.Count > feature.K) { ids.RemoveAt(ids.Count - 1); ticks.RemoveAt(ticks.Count - 1); }
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached)
    {
        if (matches && feature.Of!.TextOf(e) is { } value) Add(state, value, e.Timestamp.UtcTicks, feature.K);
        return true;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        var ids = other.Ids!;
        var ticks = other.IdTicks!;
        for (var i = 0; i < ids.Count; i++) Add(into, ids[i], ticks[i], feature.K);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) =>
        (state.Ids ?? []).Select((id, i) => new FeatureRecentValue(id, new DateTime(state.IdTicks![i], DateTimeKind.Utc))).ToList();

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => [AnswerText.Column(feature)];

    /// <summary>Schema 1's <c>recentItems</c>, for the last distinct item ids without a filter.</summary>
    public FeatureState? FromSchema1(CompiledFeature feature, UserDocument legacy) =>
        feature.Field == EventField.ItemId && feature.Filter.IsAll && legacy.LegacyRecentItems is { } recent
            ? new FeatureState
            {
                Aggregation = Name,
                Ids = recent.Select(r => r.ItemId).ToList(),
                IdTicks = recent.Select(r => r.Time.UtcTicks).ToList(),
            }
            : null;

    private static void Add(FeatureState state, string id, long ticks, int keep)
    {
        // Newest first, ties by id ascending: the kept set never depends on arrival order. The result is that of
        // "remove the id's older entry, insert at the first position it precedes, drop the entries beyond k", done in
        // place with one move of the entries in between (the lists' arrays are long-lived: no insert/remove pair).
        var ids = state.Ids!;
        var times = state.IdTicks!;
        var existing = ids.IndexOf(id);
        if (existing >= 0 && times[existing] >= ticks) return;
        var idSpan = CollectionsMarshal.AsSpan(ids);
        var timeSpan = CollectionsMarshal.AsSpan(times);
        var count = idSpan.Length;
        // `at`: the insertion index in the list without the existing entry.
        var at = 0;
        for (var j = 0; j < count; j++)
        {
            if (j == existing) continue;
            if (!(timeSpan[j] != ticks ? timeSpan[j] > ticks : string.CompareOrdinal(idSpan[j], id) < 0)) break;
            at++;
        }
        if (existing >= 0)
        {
            if (at >= keep)
            {
                ids.RemoveAt(existing);
                times.RemoveAt(existing);
                return;
            }
            if (at <= existing)
            {
                idSpan[at..existing].CopyTo(idSpan[(at + 1)..]);
                timeSpan[at..existing].CopyTo(timeSpan[(at + 1)..]);
            }
            else
            {
                idSpan[(existing + 1)..(at + 1)].CopyTo(idSpan[existing..]);
                timeSpan[(existing + 1)..(at + 1)].CopyTo(timeSpan[existing..]);
            }
            idSpan[at] = id;
            timeSpan[at] = ticks;
            return;
        }
        if (at >= keep) return;
        if (count < keep)
        {
            ids.Insert(at, id);
            times.Insert(at, ticks);
            return;
        }
        // Full: insert and drop the last entry, as one move.
        idSpan[at..(count - 1)].CopyTo(idSpan[(at + 1)..]);
        timeSpan[at..(count - 1)].CopyTo(timeSpan[(at + 1)..]);
        idSpan[at] = id;
        timeSpan[at] = ticks;
    }
}
