using System.Text;

namespace TreasureHunt.Tools.Load;

/// <summary>Kinds of bad messages the load generator mixes in, each with the dead-letter reason the pipeline must give it.</summary>
internal static class BadMessages
{
    public sealed record Kind(string Name, string ExpectedReason, Func<int, string> Make);

    private const string Ts = "2026-01-01T00:00:00Z";

    public static readonly IReadOnlyList<Kind> Kinds =
    [
        new("not-json", "not_json", i => $"this is not json {i}"),
        new("truncated-json", "not_json", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\""),
        new("trailing-garbage", "not_json", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}} x"),
        new("array", "not_object", i => $"[\"bad-{i}\"]"),
        new("number", "not_object", i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("missing-eventId", "missing_field", _ => $"{{\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("missing-timestamp", "missing_field", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\"}}"),
        new("null-userId", "missing_field", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":null,\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("numeric-userId", "bad_type", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":42,\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("string-value", "bad_type", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"value\":\"1\",\"timestamp\":\"{Ts}\"}}"),
        new("numeric-type", "bad_type", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":3,\"timestamp\":\"{Ts}\"}}"),
        new("space-in-id", "bad_id", i => $"{{\"eventId\":\"bad {i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("empty-itemId", "bad_id", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("long-userId", "bad_id", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"{new string('u', 129)}\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("bad-category", "bad_category", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"category\":\"a/b\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("huge-value", "bad_value", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"value\":2e9,\"timestamp\":\"{Ts}\"}}"),
        new("overflow-value", "bad_value", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"value\":1e400,\"timestamp\":\"{Ts}\"}}"),
        new("no-offset", "bad_timestamp", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"2026-01-01T00:00:00\"}}"),
        new("not-a-date", "bad_timestamp", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"yesterday\"}}"),
        new("far-future", "future_timestamp", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"2999-01-01T00:00:00Z\"}}"),
        new("far-past", "too_old", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"2001-01-01T00:00:00Z\"}}"),
        new("unknown-type", "unknown_type", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"like\",\"timestamp\":\"{Ts}\"}}"),
        new("capitalised-type", "unknown_type", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"View\",\"timestamp\":\"{Ts}\"}}"),
        new("duplicate-field", "duplicate_field", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"userId\":\"u-2\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\"}}"),
        new("too-large", "too_large", i => $"{{\"eventId\":\"bad-{i}\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"{Ts}\",\"pad\":\"{new string('x', 270_000)}\"}}"),
    ];

    public static byte[] Make(int kind, int serial) => Encoding.UTF8.GetBytes(Kinds[kind % Kinds.Count].Make(serial));
}
