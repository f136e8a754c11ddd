using System.Globalization;
using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Tests;

/// <summary>Builders for messages, events and aggregates shared by the tests.</summary>
internal static class TestData
{
    public const string Partition = "0";

    /// <summary>The enqueue time of test messages unless a test says otherwise.</summary>
    public static readonly DateTimeOffset Enqueued = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);

    /// <summary>The event time of the contract's sample event.</summary>
    public static readonly DateTimeOffset SampleTime = new(2026, 11, 27, 13, 5, 0, TimeSpan.Zero);

    /// <summary>The sample event's fields, in order, as raw JSON values.</summary>
    private static readonly (string Name, string Raw)[] SampleFields =
    [
        ("eventId", "\"e-123\""), ("userId", "\"u-42\""), ("itemId", "\"t-7\""), ("category", "\"caves\""),
        ("type", "\"claim\""), ("value", "1"), ("timestamp", "\"2026-11-27T13:05:00Z\""),
    ];

    /// <summary>
    /// The contract's sample event with changes: (name, raw JSON) replaces the field in place or appends it when
    /// absent; (name, null) removes it.
    /// </summary>
    public static string Json(params (string Name, string? Raw)[] changes)
    {
        var fields = SampleFields.Select(f => (f.Name, Raw: (string?)f.Raw)).ToList();
        foreach (var (name, raw) in changes)
        {
            var i = fields.FindIndex(f => f.Name == name);
            if (i >= 0) fields[i] = (name, raw);
            else fields.Add((name, raw));
        }
        return "{" + string.Join(",", fields.Where(f => f.Raw is not null).Select(f => $"\"{f.Name}\":{f.Raw}")) + "}";
    }

    public static string Str(string text) => JsonSerializer.Serialize(text);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static RawMessage Message(string json, long sequenceNumber = 1, DateTimeOffset? enqueued = null) =>
        new(Utf8(json), sequenceNumber, enqueued ?? Enqueued);

    public static RawMessage Message(byte[] body, long sequenceNumber = 1, DateTimeOffset? enqueued = null) =>
        new(body, sequenceNumber, enqueued ?? Enqueued);

    /// <summary>A valid message of exactly <paramref name="size"/> bytes: the sample event padded by an ignored field.</summary>
    public static byte[] PaddedValidEvent(int size)
    {
        var prefix = Json(("pad", "\"\""))[..^2]; // ends inside the empty pad string: ..."pad":"
        var padding = size - Encoding.UTF8.GetByteCount(prefix) - 2;
        var body = Utf8(prefix + new string('x', padding) + "\"}");
        if (body.Length != size) throw new InvalidOperationException("padding arithmetic");
        return body;
    }

    public static TreasureEvent Event(
        string eventId, DateTimeOffset time, EventType type = EventType.View, string itemId = "i-1",
        string category = "caves", double value = 1, string userId = "u-1") =>
        new(eventId, userId, itemId, category, type, value, time.ToUniversalTime());

    public static SequencedEvent Seq(TreasureEvent e, long sequenceNumber, DateTimeOffset? enqueued = null) =>
        new(e, sequenceNumber, enqueued ?? e.Timestamp);

    /// <summary>Applies one batch to the product's document and returns its outcomes.</summary>
    public static EventOutcome[] Apply(UserDocument document, IReadOnlyList<SequencedEvent> events, DocumentRules? rules = null, string partition = Partition)
    {
        rules ??= DocumentRules.Default;
        var outcomes = new EventOutcome[events.Count];
        document.Apply(events, partition, rules.Definitions, rules.Delivery, outcomes);
        return outcomes;
    }

    public static UserDocument NewDocument(string userId = "u-1", DocumentRules? rules = null) =>
        UserDocument.Create(userId, (rules ?? DocumentRules.Default).Definitions);

    /// <summary>Applies events one per batch, with sequence numbers 1, 2, ... and enqueue time = event time.</summary>
    public static UserDocument Aggregate(IEnumerable<TreasureEvent> events, DocumentRules? rules = null)
    {
        var document = NewDocument(rules: rules);
        var seq = 0L;
        foreach (var e in events)
        {
            Apply(document, [Seq(e, ++seq)], rules);
        }
        return document;
    }

    /// <summary>The document as the store reads it back: serialized (Cosmos' web defaults), read and bound to the rules' definitions.</summary>
    public static UserDocument Clone(UserDocument document, DocumentRules? rules = null)
    {
        var copy = JsonSerializer.Deserialize<UserDocument>(JsonSerializer.Serialize(document, CosmosJson), CosmosJson)!;
        copy.Bind((rules ?? DocumentRules.Default).Definitions);
        return copy;
    }

    private static readonly JsonSerializerOptions CosmosJson = new(JsonSerializerDefaults.Web);

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value);

    public static T Clone<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value))!;

    public static long Unix(DateTimeOffset t) => t.ToUnixTimeSeconds();

    public static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Asserts |actual − expected| ≤ relative · scale (scale defaults to |expected|, at least 1e-300).</summary>
    public static void Close(double expected, double actual, double relative = 1e-9, double? scale = null, string? what = null)
    {
        var tolerance = relative * Math.Max(scale ?? Math.Abs(expected), 1e-300);
        Assert.True(Math.Abs(actual - expected) <= tolerance,
            $"{what ?? "value"}: expected {expected:R}, got {actual:R} (tolerance {tolerance:R})");
    }
}
