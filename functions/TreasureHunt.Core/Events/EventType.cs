namespace TreasureHunt.Core.Events;

/// <summary>
/// An event type, as the index of its declaration in the feature definitions (<c>eventTypes</c>): the value indexes
/// every per-type array. Types are data (<see cref="Features.CompiledDefinitions"/>); the five named members are the
/// types of the default definitions, in their order, kept as names for the code and tests that use those types.
/// </summary>
public enum EventType
{
    View = 0,
    Click = 1,
    Share = 2,
    Claim = 3,
    Purchase = 4,
}

/// <summary>The default definitions' five types (see <see cref="EventType"/>). Per-type arrays start at this length (<see cref="PerType"/>).</summary>
public static class EventTypes
{
    public const int Count = 5;

    /// <summary>Names of the default definitions' first five types, indexed by <see cref="EventType"/>.</summary>
    public static readonly string[] Names = ["view", "click", "share", "claim", "purchase"];

    public static string ToName(this EventType type) => (int)type < Names.Length ? Names[(int)type] : $"type{(int)type}";

    public static bool TryParse(ReadOnlySpan<char> name, out EventType type)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
            {
                type = (EventType)i;
                return true;
            }
        }
        type = default;
        return false;
    }
}
