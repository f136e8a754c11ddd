using TreasureHunt.Core.Costs;

namespace TreasureHunt.Pipeline.FinOps;

/// <summary>
/// One ledger writer's running per-minute and per-hour totals (by function and trigger), written as absolute values
/// so a retried write replaces rather than adds. Bounded: a minute is forgotten once it ended
/// <see cref="KeepMinutes"/> ago and an hour <see cref="KeepHours"/> ago, after it was written; a record for a
/// forgotten period (a very late record) is totalled under a fresh writer id, so it adds a row instead of
/// overwriting the written one with a smaller sum. Not thread-safe: the ledger buffer serialises access.
/// </summary>
internal sealed class CostTotalsAccumulator(string writer)
{
    public static readonly TimeSpan KeepMinutes = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan KeepHours = TimeSpan.FromHours(2);

    private readonly Dictionary<Key, Entry> _entries = [];
    private readonly Dictionary<TimeSpan, DateTimeOffset> _forgottenBefore = new() { [CostPeriods.Minute] = DateTimeOffset.MinValue, [CostPeriods.Hour] = DateTimeOffset.MinValue };

    public string Writer { get; } = writer;

    public int Count => _entries.Count;

    public void Add(CostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var period in new[] { CostPeriods.Minute, CostPeriods.Hour })
        {
            var start = CostPeriods.Floor(record.Start, period);
            var writer = start < _forgottenBefore[period] ? $"{Writer}-late-{Guid.NewGuid():N}" : Writer;
            var key = new Key(period, start, record.Function, record.Trigger, writer);
            _entries[key] = _entries.TryGetValue(key, out var entry)
                ? new Entry(entry.Total.Add(record), Dirty: true)
                : new Entry(CostTotal.From(record) with { Start = start }, Dirty: true);
        }
    }

    /// <summary>The totals changed since the last <see cref="MarkWritten"/>, by writer and period.</summary>
    public IReadOnlyList<(string Writer, TimeSpan Period, IReadOnlyList<CostTotal> Totals)> Dirty() =>
        _entries.Where(e => e.Value.Dirty)
            .GroupBy(e => (e.Key.Writer, e.Key.Period))
            .Select(g => (g.Key.Writer, g.Key.Period, (IReadOnlyList<CostTotal>)g.Select(e => e.Value.Total).ToList()))
            .ToList();

    /// <summary>Marks the given totals written (unless they changed since) and forgets periods that are long over.</summary>
    public void MarkWritten(IReadOnlyList<(string Writer, TimeSpan Period, IReadOnlyList<CostTotal> Totals)> written, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(written);
        foreach (var (writer, period, totals) in written)
        {
            foreach (var total in totals)
            {
                var key = new Key(period, total.Start, total.Function, total.Trigger, writer);
                if (_entries.TryGetValue(key, out var entry) && entry.Total == total) _entries[key] = entry with { Dirty = false };
            }
        }
        foreach (var (period, keep) in new[] { (CostPeriods.Minute, KeepMinutes), (CostPeriods.Hour, KeepHours) })
        {
            var before = CostPeriods.Floor(now - keep, period) - period;
            foreach (var key in _entries.Where(e => e.Key.Period == period && !e.Value.Dirty && e.Key.Start < before).Select(e => e.Key).ToList())
            {
                _entries.Remove(key);
                if (key.Start + period > _forgottenBefore[period]) _forgottenBefore[period] = key.Start + period;
            }
        }
    }

    private readonly record struct Key(TimeSpan Period, DateTimeOffset Start, string Function, string Trigger, string Writer);

    private readonly record struct Entry(CostTotal Total, bool Dirty);
}
