namespace TreasureHunt.Core.Events;

/// <summary>Why an event was rejected. The codes (<see cref="DeadLetterReasons.Code"/>) are a stable public contract.</summary>
public enum DeadLetterReason
{
    /// <summary>Body is not valid UTF-8 JSON (or is empty).</summary>
    NotJson,
    /// <summary>Body is JSON but not an object.</summary>
    NotObject,
    /// <summary>A required field (eventId, userId, itemId, type, timestamp) is absent or null.</summary>
    MissingField,
    /// <summary>A field has the wrong JSON type (for example a number where a string is required).</summary>
    BadType,
    /// <summary>An id (eventId, userId, itemId) is empty, longer than 128 chars or has a char outside [A-Za-z0-9_.:@-].</summary>
    BadId,
    /// <summary>category is empty, longer than 64 chars or has a char outside [A-Za-z0-9_.:@-].</summary>
    BadCategory,
    /// <summary>value is not finite or |value| &gt; 1e9.</summary>
    BadValue,
    /// <summary>timestamp is not ISO-8601 with an offset or Z.</summary>
    BadTimestamp,
    /// <summary>timestamp is more than the allowed skew (5 minutes) ahead of the enqueue time.</summary>
    FutureTimestamp,
    /// <summary>The message is larger than 256 KB.</summary>
    TooLarge,
    /// <summary>type is a string but not one of the event types declared in the feature definitions.</summary>
    UnknownType,
    /// <summary>A contract field (core field or declared attribute) appears twice in the object.</summary>
    DuplicateField,
    /// <summary>A declared attribute has the wrong JSON type, a bad length or characters, a number out of range, or a required one is missing (the detail names it).</summary>
    BadAttribute,
    /// <summary>timestamp is more than <c>Contract:MaxEventAgeDays</c> (default 35) days before the enqueue time.</summary>
    TooOld,
}

public static class DeadLetterReasons
{
    private static readonly string[] Codes =
    [
        "not_json", "not_object", "missing_field", "bad_type", "bad_id", "bad_category", "bad_value",
        "bad_timestamp", "future_timestamp", "too_large", "unknown_type", "duplicate_field", "bad_attribute",
        "too_old",
    ];

    public static string Code(this DeadLetterReason reason) => Codes[(int)reason];

    public static IReadOnlyList<string> AllCodes => Codes;

    public static bool TryParse(string code, out DeadLetterReason reason)
    {
        var i = Array.IndexOf(Codes, code);
        reason = (DeadLetterReason)Math.Max(i, 0);
        return i >= 0;
    }
}
