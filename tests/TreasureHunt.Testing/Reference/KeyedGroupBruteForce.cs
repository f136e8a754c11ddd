using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Testing.Reference;

/// <summary>The brute force the keyed-group tests compare with: per key of a group (by document id), its values, one
/// state fed every event of the key in order (the stored features only), and the raw events.</summary>
public static class KeyedGroupBruteForce
{
    public static Dictionary<string, (string[] Key, KeyedState State, List<TreasureEvent> Raw)> Of(CompiledGroup group, IEnumerable<TreasureEvent> events, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(events);
        var keys = new Dictionary<string, (string[] Key, KeyedState State, List<TreasureEvent> Raw)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var values = group.Key.Select(k => GroupKeys.ValueOf(k, e)).ToArray();
            if (values.Any(v => v is null)) continue; // an event without a key field counts in no key of the group
            var key = values.Select(v => v!).ToArray();
            var id = GroupKeys.DocumentId(group, key);
            if (!keys.TryGetValue(id, out var x)) keys[id] = x = (key, new KeyedState(), []);
            if (group.Stored.Length > 0) x.State.Add(e, group, definitions);
            x.Raw.Add(e);
        }
        return keys;
    }
}
