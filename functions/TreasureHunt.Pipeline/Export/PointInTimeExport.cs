using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Export;

/// <summary>
/// Point-in-time export: each label row's (user, time T) features as <c>GET /api/users/{id}/features</c> would have
/// answered at T, replayed from the history through the live parser and <see cref="UserDocument.Apply"/>. An event counts
/// when known at T (enqueued and stamped at or before T); an erasure withholds the user's earlier rows. Clock, order,
/// bounds and erasure: docs/internals.md#point-in-time-export.
/// </summary>
public sealed class PointInTimeExport(CompiledDefinitions definitions, DeliveryRules delivery)
{
    /// <summary>Messages read from a partition per <see cref="IHistorySource.ReadAsync"/> call.</summary>
    public const int ReadChunk = 2000;

    private readonly CompiledDefinitions _definitions = definitions ?? throw new ArgumentNullException(nameof(definitions));
    private readonly DeliveryRules _delivery = delivery ?? throw new ArgumentNullException(nameof(delivery));

    /// <summary>The parser's too_old limit (<c>Contract:MaxEventAgeDays</c>): the replay rejects what the live pipeline rejected.</summary>
    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(ContractOptions.DefaultMaxEventAgeDays);

    /// <summary>
    /// The value of every feature of <paramref name="features"/> for every row of <paramref name="labels"/> (indexed by
    /// <see cref="LabelRow.Index"/>, values as <see cref="FeatureAnswers.UserValue"/> gives them; null when the user had no
    /// event counting at that time).
    /// </summary>
    public async Task<ExportResult> RunAsync(
        IHistorySource source, IReadOnlyList<LabelRow> labels, IReadOnlyList<CompiledFeature> features, QueryWindow window,
        Action<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(features);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (rows, values, remaining) = LabelRows.Plan(labels, r => r.UserId);
        var rowsOfUser = rows.GroupBy(r => r.UserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var replay = new Replay(this, features, window, values, remaining, rowsOfUser);

        var heads = await HistoryPartitionReader.OpenHeadsAsync(source, cancellationToken);

        var parser = new EventParser(_definitions) { MaxEventAge = MaxEventAge };
        var next = 0;
        long order = 0, read = 0, deadLettered = 0;
        var lastReport = started.Elapsed;
        while (true)
        {
            var clock = heads.TryPeek(out _, out var key) ? key.Ticks : long.MaxValue;
            // Everything that becomes available before the next message's enqueue time: held-back events (at equal
            // times before the message, which was merged later) and rows (after the events of their own time).
            while (next < rows.Length)
            {
                var held = replay.NextHeldTicks;
                var rowTicks = rows[next].Time.UtcTicks;
                if (held <= rowTicks && held <= clock)
                {
                    replay.ApplyHeld();
                }
                else if (rowTicks < clock)
                {
                    replay.Answer(rows[next++]);
                }
                else
                {
                    break;
                }
            }
            if (clock == long.MaxValue) break;

            var partition = heads.Dequeue();
            var message = partition.Take();
            if (await partition.FillAsync(cancellationToken)) heads.Enqueue(partition, (partition.HeadTicks, partition.Index));
            order++;
            read++;
            if (EraseControlMessage.IsControl(message.Body.Span))
            {
                // An erasure, never an event (a malformed one is dead-lettered live and erases nothing).
                if (EraseControlMessage.TryRead(message.Body.Span, out var erasure, out _) && rowsOfUser.ContainsKey(erasure!.UserId))
                {
                    replay.Erase(erasure.UserId, clock, order);
                }
            }
            else if (next >= rows.Length)
            {
                // Every row is answered: only a later erasure can still change the result, so events are not parsed.
            }
            else if (!parser.TryParse(message, partition.PartitionId, out var parsed, out _))
            {
                deadLettered++; // dead-lettered live too: never aggregated
            }
            else if (remaining.ContainsKey(parsed!.UserId))
            {
                replay.Offer(parsed, message.EnqueuedTime, partition.PartitionId, clock, order);
            }
            if ((read & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (progress is not null && (read & 0xFFF) == 0 && started.Elapsed - lastReport > TimeSpan.FromSeconds(1))
            {
                lastReport = started.Elapsed;
                progress(new ExportProgress(read, next, rows.Length, started.Elapsed));
            }
        }
        progress?.Invoke(new ExportProgress(read, next, rows.Length, started.Elapsed));
        var withheld = replay.Withheld;
        foreach (var index in withheld) values[index] = new object?[features.Count]; // nothing of an erased person leaves the export
        return new ExportResult(values, new ExportSummary(rows.Length, replay.UsersSeen, read, replay.Applied, deadLettered, replay.PeakDocuments, started.Elapsed, withheld.Count), withheld);
    }

    /// <summary>The documents of the labelled users, the events held back until their timestamp, the answers.</summary>
    private sealed class Replay(
        PointInTimeExport export, IReadOnlyList<CompiledFeature> features, QueryWindow window, object?[][] values, Dictionary<string, int> remaining,
        Dictionary<string, LabelRow[]> rowsOfUser)
    {
        private readonly Dictionary<string, UserDocument> _documents = new(StringComparer.Ordinal);
        private readonly PriorityQueue<HeldEvent, (long Ticks, long Order)> _held = new();
        private readonly SequencedEvent[] _one = new SequencedEvent[1];
        private readonly EventOutcome[] _outcome = new EventOutcome[1];
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _erasedAtOrder = new(StringComparer.Ordinal);
        private readonly SortedSet<int> _withheld = [];

        /// <summary>The indexes of the rows withheld because their user was erased after the row's time.</summary>
        public IReadOnlySet<int> Withheld => _withheld;

        public long Applied { get; private set; }
        public int PeakDocuments { get; private set; }
        public int UsersSeen => _seen.Count;

        public long NextHeldTicks => _held.TryPeek(out _, out var key) ? key.Ticks : long.MaxValue;

        /// <summary>An event of a labelled user enqueued at <paramref name="clockTicks"/>: applied now, or held back until its timestamp.</summary>
        public void Offer(TreasureEvent e, DateTimeOffset enqueued, string partitionId, long clockTicks, long order)
        {
            if (e.Timestamp.UtcTicks > clockTicks)
            {
                _held.Enqueue(new HeldEvent(e, enqueued, partitionId, order), (e.Timestamp.UtcTicks, order));
                return;
            }
            Apply(e, enqueued, partitionId);
        }

        public void ApplyHeld()
        {
            var held = _held.Dequeue();
            var erasedAt = _erasedAtOrder.GetValueOrDefault(held.Event.UserId, long.MinValue);
            if (remaining.ContainsKey(held.Event.UserId) && held.Order > erasedAt) Apply(held.Event, held.Enqueued, held.PartitionId);
        }

        /// <summary>
        /// The user was erased at <paramref name="clockTicks"/> (merge position <paramref name="order"/>): the rows before it
        /// are withheld (all of them are answered by now: rows earlier than the clock are answered before a message is
        /// taken), the document and the events held back from before the erasure are dropped.
        /// </summary>
        public void Erase(string userId, long clockTicks, long order)
        {
            foreach (var row in rowsOfUser[userId])
            {
                if (row.Time.UtcTicks >= clockTicks) break; // sorted by time: the rest are answered from the fresh profile
                _withheld.Add(row.Index);
            }
            _documents.Remove(userId);
            _erasedAtOrder[userId] = order;
        }

        private void Apply(TreasureEvent e, DateTimeOffset enqueued, string partitionId)
        {
            if (!_documents.TryGetValue(e.UserId, out var document))
            {
                _documents[e.UserId] = document = UserDocument.Create(e.UserId, export._definitions);
                _seen.Add(e.UserId);
                PeakDocuments = Math.Max(PeakDocuments, _documents.Count);
            }
            // The sequence number only orders the user's batches of a partition (the delivery state's watermark); held-
            // back events are applied after later messages of their partition, so it is the application order here.
            _one[0] = new SequencedEvent(e, ++Applied, enqueued);
            document.Apply(_one, partitionId, export._definitions, export._delivery, _outcome);
        }

        public void Answer(LabelRow row)
        {
            var document = _documents.GetValueOrDefault(row.UserId);
            var answer = new object?[features.Count];
            for (var i = 0; i < answer.Length; i++)
            {
                answer[i] = document is null ? null : FeatureAnswers.UserValue(features[i], document.Feature(features[i].Name), export._definitions, window, row.Time);
            }
            values[row.Index] = answer;
            var left = remaining[row.UserId] - 1;
            if (left > 0)
            {
                remaining[row.UserId] = left;
                return;
            }
            remaining.Remove(row.UserId);
            _documents.Remove(row.UserId); // no row left to answer for this user: its state is not needed any more
        }

        private readonly record struct HeldEvent(TreasureEvent Event, DateTimeOffset Enqueued, string PartitionId, long Order);
    }

}

/// <summary>A label row: the user (entity id) and the time its features are wanted at; <see cref="Index"/> = its position in the label file.</summary>
public readonly record struct LabelRow(int Index, string UserId, DateTimeOffset Time) : ILabelRow;

/// <summary>How far the export is: history messages read, rows answered.</summary>
public readonly record struct ExportProgress(long MessagesRead, int RowsAnswered, int Rows, TimeSpan Elapsed);

/// <summary>
/// What an export did: label rows, users with events, messages read, events applied, dead letters skipped, the most
/// documents held at once, and how many rows were withheld because their user was erased later (a count, never ids).
/// </summary>
public sealed record ExportSummary(int Rows, int UsersWithEvents, long MessagesRead, long EventsApplied, long DeadLettered, int PeakDocuments, TimeSpan Elapsed, int ErasedRowsWithheld);

/// <summary>The answers (per label row, per feature; all null for a withheld row), the summary, and the withheld rows' indexes.</summary>
public sealed record ExportResult(object?[][] Values, ExportSummary Summary, IReadOnlySet<int> Withheld)
{
    /// <summary>The label rows to write: those not withheld, in the label file's order (an erased user's rows are left out of the file).</summary>
    public IReadOnlyList<LabelRow> AnsweredRows(IReadOnlyList<LabelRow> labels) =>
        Withheld.Count == 0 ? labels : labels.Where(l => !Withheld.Contains(l.Index)).ToList();
}
