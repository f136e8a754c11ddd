using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.History;

/// <summary>
/// One history read from two sources with the same sequence numbering: <paramref name="archive"/> (Event Hubs Capture
/// files) as far as it goes, then <paramref name="tail"/> (the hub's retained events) after the last archived message.
/// Capture writes a partition's window minutes after its events arrive, so a back-fill over Capture alone never reaches
/// the live position under continuous traffic; the tail bridges that gap (the hub retains events for days, Capture's
/// window is at most 15 minutes). A read asks the archive first and falls through to the tail when the archive has
/// nothing after <c>afterSequence</c>; the tail's events after a sequence number are the same events the archive would
/// hold for them, so switching never skips or repeats one.
/// </summary>
public sealed class ChainedHistorySource(IHistorySource archive, IHistorySource tail) : IHistorySource, IDisposable
{
    public string Description => $"{archive.Description}, then {tail.Description}";

    private HashSet<string>? _archived;

    public async Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken)
    {
        _archived = [.. await archive.PartitionsAsync(cancellationToken)];
        var retained = await tail.PartitionsAsync(cancellationToken);
        return _archived.Union(retained, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken)
    {
        // A partition the archive has no file of yet (Capture writes a partition's first file after its first window).
        _archived ??= [.. await archive.PartitionsAsync(cancellationToken)];
        var archived = _archived.Contains(partitionId)
            ? await archive.ReadAsync(partitionId, afterSequence, maxMessages, cancellationToken)
            : [];
        return archived.Count > 0 ? archived : await tail.ReadAsync(partitionId, afterSequence, maxMessages, cancellationToken);
    }

    public void Dispose()
    {
        (archive as IDisposable)?.Dispose();
        (tail as IDisposable)?.Dispose();
    }
}
