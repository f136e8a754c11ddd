using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Capacity;

/// <summary>One declared leaderboard as the capacity model sees it: its windows, its k, its documents' worst case with
/// one shard layout and with two (while a reshard drains), and a typical entry's bytes.</summary>
public sealed record KeyedLeaderboardInput(string Name, int Windows, int K, double TypicalEntryBytes, double WorstBytes, double WorstBytesDuringReshard,
    double DocumentsKept);

/// <summary>
/// One keyed group priced by the model: its declared cardinality (<c>./th plan --keys group=N</c>; the item group takes
/// <c>--items</c>, <c>global</c> is 1), the bytes of a key's stored state (typical, measured; worst case, the bound)
/// and of a key's partial state in a shard buffer, and its leaderboards. Every event is assumed to carry the key.
/// </summary>
public sealed record KeyedGroupInput(string Name, long Keys, bool IsItem, double TypicalStateBytes, double WorstStateBytes, IReadOnlyList<double> DeltaBytesByEvents,
    double TypicalKeyBytes, IReadOnlyList<KeyedLeaderboardInput> Leaderboards)
{
    /// <summary>A key's partial state in a shard buffer holding <paramref name="events"/> of its events (measured for 1 to
    /// one per type; more events add to counters, not to their size, but for distinct-user sketches: not modeled).</summary>
    public double DeltaBytes(double events) => DeltaBytesByEvents.Count == 0 ? 0
        : DeltaBytesByEvents[(int)Math.Clamp(Math.Ceiling(events), 1, DeltaBytesByEvents.Count) - 1];

    /// <summary>A key's state averaged uniformly over the keys (what storage is priced on); <see cref="TypicalStateBytes"/>
    /// is weighted by how often each key is written (what RU are priced on).</summary>
    public double StoredStateBytes { get; init; } = TypicalStateBytes;

    /// <summary>A group kept in documents of its own (not the item documents).</summary>
    public bool OwnDocuments => !IsItem;

    /// <summary>A group document: its fields around the state (id, group, key, version, one shard's flush number) and
    /// Cosmos DB's system properties.</summary>
    public double TypicalDocumentBytes => GroupDocumentFixedBytes + 2 * TypicalKeyBytes + TypicalStateBytes + ItemDocumentRollupDesign.CosmosSystemPropertiesBytes;

    public double WorstDocumentBytes => GroupDocumentFixedBytes + 2 * GroupKeys.MaxReadableIdLength + WorstStateBytes + ItemDocumentRollupDesign.CosmosSystemPropertiesBytes;

    /// <summary>A <c>GroupDocument</c>'s JSON without its key and state: {"id","group","key","version","state","flushes":{"16-3":1234567}} (~ 90 B) + two shard generations' flush numbers.</summary>
    public const double GroupDocumentFixedBytes = 90 + ItemDocumentRollupDesign.ShardGenerationsPerItem * ItemDocumentRollupDesign.FlushNumberBytes;
}

/// <summary>
/// Builds the model's keyed-group inputs from a definitions document and declared cardinalities. A key's typical state
/// is measured, not guessed: the serialized <see cref="KeyedState"/> of keys fed their Zipf share of the sustained
/// stream in every tile their features keep (capped at <see cref="MaxEventsPerTile"/>, types in equal shares, every
/// event a new user: distinct-user sketches are at their largest), weighted over the ranks (<see cref="TypicalStateBytes"/>).
/// </summary>
public static class KeyedGroupCapacity
{
    /// <summary>Events fed per tile when measuring a typical state: enough to make a tile's HyperLogLog dense (the size
    /// stops growing), few enough to measure in a fraction of a second.</summary>
    public const int MaxEventsPerTile = 2_000;

    /// <summary>Events fed in all when measuring one group's typical state.</summary>
    public const int MaxEventsPerMeasure = 200_000;

    /// <summary>Typical key value length when no better figure exists (category, attributes): 12 characters.</summary>
    public const int TypicalKeyValueLength = 12;

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    /// <summary><paramref name="inputs"/> with the keyed groups of <paramref name="definitions"/> (<see cref="From"/>).
    /// Unless a reshard target is given, the reshard modeled moves to twice the shards or to
    /// <see cref="LargestAdmittedShardCount"/>, whichever is smaller: the app refuses to start with more shards than
    /// that, so no reshard beyond it can drain.</summary>
    public static CapacityInputs WithGroups(CapacityInputs inputs, CompiledDefinitions definitions, IReadOnlyDictionary<string, long> keys)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(definitions);
        if (inputs.ReshardShardCount is null && LargestAdmittedShardCount(definitions, inputs.ReshardTarget) is { } admitted && admitted < inputs.ReshardTarget)
        {
            inputs = inputs with { ReshardShardCount = Math.Max(inputs.RollupShardCount, admitted) };
        }
        return inputs with { KeyedGroups = From(definitions, keys, inputs) };
    }

    /// <summary>The largest <c>Rollups:ShardCount</c> up to <paramref name="upTo"/> at which the start-up check
    /// (<c>ItemDocumentBoundValidator</c>: 2 × ShardCount sections, two layouts while a reshard drains) admits every
    /// declared leaderboard's worst case within <see cref="KeyedLeaderboardDocument.MaxBytes"/>; null without declared
    /// leaderboards, 0 when not even one shard is admitted.</summary>
    public static int? LargestAdmittedShardCount(CompiledDefinitions definitions, int upTo)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        if (definitions.Leaderboards.Length == 0) return null;
        var shards = upTo;
        while (shards > 0 && definitions.Leaderboards.Any(b => KeyedLeaderboardDocument.WorstCaseBytes(b, 2 * shards) > KeyedLeaderboardDocument.MaxBytes)) shards--;
        return shards;
    }

    /// <summary>The groups of <paramref name="definitions"/> that store something, with their cardinalities. Throws
    /// <see cref="ArgumentException"/> naming a group that needs <c>--keys</c> and has none, or a <c>--keys</c> that names no group.</summary>
    public static IReadOnlyList<KeyedGroupInput> From(CompiledDefinitions definitions, IReadOnlyDictionary<string, long> keys, CapacityInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var name in keys.Keys)
        {
            var group = definitions.Group(name) ?? throw new ArgumentException($"--keys {name}=…: the definitions declare no group '{name}' (groups: {string.Join(", ", definitions.Groups.Select(g => g.Name))}).");
            if (group.IsItem || group.Name == CompiledGroup.GlobalGroup) throw new ArgumentException($"--keys {name}=…: the group '{name}' takes its cardinality from {(group.IsItem ? "--items" : "its empty key (one key)")}.");
        }
        var result = new List<KeyedGroupInput>();
        foreach (var group in definitions.Groups.Where(g => g.Stored.Length > 0))
        {
            long cardinality;
            if (group.IsItem) cardinality = inputs.Items;
            else if (group.Key.Length == 0) cardinality = 1;
            else if (!keys.TryGetValue(group.Name, out cardinality))
            {
                throw new ArgumentException($"the group '{group.Name}' (key [{string.Join(", ", group.KeyNames)}]) needs a declared cardinality: add --keys {group.Name}=N (distinct keys).");
            }
            if (cardinality < 1) throw new ArgumentException($"--keys {group.Name}: the cardinality must be >= 1.");
            var typicalKey = group.Key.Sum(k => (double)(k.Name == "itemId" ? inputs.ItemIdLength : TypicalKeyValueLength) + 3);
            var leaderboards = definitions.Leaderboards.Where(l => l.Group == group).Select(l => new KeyedLeaderboardInput(
                l.Name, l.Windows.Length, l.K,
                // {"id":"…","key":[…],"value":123456.78}: 30 B of names and punctuation, the id (≈ the key values), the key, ≤ 10 digits.
                TypicalEntryBytes: 30 + typicalKey + typicalKey + 10,
                WorstBytes: KeyedLeaderboardDocument.WorstCaseBytes(l, inputs.RollupShardCount),
                WorstBytesDuringReshard: KeyedLeaderboardDocument.WorstCaseBytes(l, inputs.RollupShardCount + inputs.ReshardTarget),
                DocumentsKept: l.Windows.Sum(w => CompiledLeaderboard.UnitOf(w) is { } unit ? l.Feature.WindowOf(unit)!.Value.Keep + 1.0 : 1.0))).ToList();
            var (written, stored) = TypicalStateBytes(group, definitions, cardinality, inputs);
            result.Add(new KeyedGroupInput(group.Name, cardinality, group.IsItem,
                TypicalStateBytes: written,
                WorstStateBytes: group.Features.Sum(FeatureDefinitionsReader.WorstCaseBytes), // GroupDefinitionsCompiler.WorstCaseBytes (internal to Core)
                DeltaBytesByEvents: Enumerable.Range(1, definitions.TypeCount).Select(n => MeasureDelta(group, definitions, n)).ToArray(),
                TypicalKeyBytes: typicalKey, leaderboards) { StoredStateBytes = stored });
        }
        return result;
    }

    /// <summary>
    /// A key's typical state, weighted two ways over the Zipf ranks (exponent and sustained rate of <paramref name="inputs"/>):
    /// by how often each key is written (a key of rate λ is in a 1 s seal with probability 1 − e^−λ; <c>ItemFlushSeconds</c>
    /// is the model's seal) — what prices RU — and uniformly over the keys — what prices storage. Ranks are taken in
    /// bands of ×<see cref="BandRatio"/>, each measured at its geometric middle rank's rate (<see cref="MeasureState"/>).
    /// </summary>
    public static (double Written, double Stored) TypicalStateBytes(CompiledGroup group, CompiledDefinitions definitions, long keys, CapacityInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var norm = ZipfDistinct.GeneralizedHarmonic(keys, inputs.ZipfExponent);
        double Rate(double rank) => inputs.EventsPerSecond * Math.Pow(rank, -inputs.ZipfExponent) / norm;
        double weightedWrites = 0, writes = 0, sizes = 0;
        for (double a = 1; a <= keys; a *= BandRatio)
        {
            var b = Math.Min(keys + 1.0, a * BandRatio);
            var count = b - a;
            var middle = Math.Sqrt(a * (b - 1));
            var bytes = MeasureState(group, definitions, Rate(middle));
            // Σ over the band's ranks of 1 − e^−λ·T, summed in 16 slices (λ changes by ≤ 1.2× across a slice).
            double bandWrites = 0;
            for (var i = 0; i < 16; i++)
            {
                var lo = a + count * i / 16;
                var hi = a + count * (i + 1) / 16;
                bandWrites += -double.ExpM1(-Rate(Math.Sqrt(lo * Math.Max(lo, hi - 1))) * inputs.ItemFlushSeconds) * (hi - lo);
            }
            weightedWrites += bandWrites * bytes;
            writes += bandWrites;
            sizes += count * bytes;
        }
        return (writes > 0 ? weightedWrites / writes : 0, sizes / keys);
    }

    /// <summary>Width of a band of ranks in <see cref="TypicalStateBytes"/>.</summary>
    public const double BandRatio = 10;

    /// <summary>Serialized bytes of a key's partial state holding <paramref name="events"/> events of the current tile,
    /// types in turn (what a shard buffer holds per key).</summary>
    public static double MeasureDelta(CompiledGroup group, CompiledDefinitions definitions, int events)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(definitions);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000L);
        var state = new KeyedState { Partial = true }; // written without the features none of its events passed
        state.Bind(group);
        for (var n = 0; n < events; n++)
        {
            state.Add(new TreasureEvent($"e{n}", $"u{n}", $"item{n}", "books", (EventType)(n % definitions.TypeCount), 10 + n, now.AddSeconds(n)), group, definitions);
        }
        return JsonSerializer.SerializeToUtf8Bytes(state, Wire).Length;
    }

    /// <summary>Serialized bytes of the state of a key that receives <paramref name="eventsPerKeyPerSecond"/> events/s, in
    /// every tile its stored features keep (a key rarer than one event per tile has one event in that share of the
    /// tiles, and at least one).</summary>
    public static double MeasureState(CompiledGroup group, CompiledDefinitions definitions, double eventsPerKeyPerSecond)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(definitions);
        var units = group.Stored.SelectMany(f => f.Tumbling).Where(w => w.Unit is not null).ToList();
        var step = units.Count == 0 ? WindowSize.Hour.Seconds() : units.Min(w => w.Unit!.Value.Seconds());
        var span = units.Count == 0 ? step : units.Max(w => w.Keep * w.Unit!.Value.Seconds());
        var tiles = Math.Max(1, span / step);
        var perStep = eventsPerKeyPerSecond * step;
        var perTile = (int)Math.Clamp(Math.Round(perStep), 1, Math.Min(MaxEventsPerTile, Math.Max(1, MaxEventsPerMeasure / tiles)));
        // Tiles between two events of a key rarer than one event per tile.
        var every = perStep < 1 ? (long)Math.Min(tiles, Math.Max(1, Math.Round(1 / perStep))) : 1;
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000L / step * step);
        var state = new KeyedState();
        state.Bind(group);
        var n = 0;
        for (long t = 0; t < tiles; t += every)
        {
            var tileStart = now.AddSeconds(-t * step);
            for (var i = 0; i < perTile; i++, n++)
            {
                var type = (EventType)(n % definitions.TypeCount);
                state.Add(new TreasureEvent($"e{n}", $"u{n}", $"item{n % 97}", "books", type, 10 + n % 90, tileStart.AddSeconds(i % step)), group, definitions);
            }
        }
        return JsonSerializer.SerializeToUtf8Bytes(state, Wire).Length;
    }
}
