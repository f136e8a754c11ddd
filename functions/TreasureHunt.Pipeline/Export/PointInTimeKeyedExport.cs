using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.History;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Export;

/// <summary>
/// Point-in-time export of a keyed group: each label row's (key, time T) features as
/// <c>GET /api/groups/{group}/features</c> would have answered at T with no rollup lag, with the clock and order of
/// <see cref="PointInTimeExport"/>. Erasure and bounds: docs/internals.md#point-in-time-keyed-export.
/// </summary>
public sealed class PointInTimeKeyedExport(CompiledDefinitions definitions, DeliveryRules delivery)
{
    private readonly CompiledDefinitions _definitions = definitions ?? throw new ArgumentNullException(nameof(definitions));
    private readonly DeliveryRules _delivery = delivery ?? throw new ArgumentNullException(nameof(delivery));

    /// <summary>The parser's too_old limit (<c>Contract:MaxEventAgeDays</c>).</summary>
    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(ContractOptions.DefaultMaxEventAgeDays);

    /// <summary>Messages between two sweeps of the users idle for longer than the duplicate horizon.</summary>
    private const int SweepEvery = 50_000;

    /// <summary>The value of every feature of <paramref name="features"/> (of <paramref name="group"/>) for every row
    /// of <paramref name="labels"/> (indexed by <see cref="KeyedLabelRow.Index"/>; null when the key had no event counting then).</summary>
    public async Task<ExportResult> RunAsync(
        IHistorySource source, CompiledGroup group, IReadOnlyList<KeyedLabelRow> labels, IReadOnlyList<CompiledFeature> features, QueryWindow window,
        Action<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(features);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var all = group.StoringAll;
        var (rows, values, remaining) = LabelRows.Plan(labels, r => GroupKeys.DocumentId(group, r.Key), row =>
        {
            if (row.Key.Length != group.Key.Length) throw new ArgumentException($"label row {row.Index}: the group '{group.Name}' has {group.Key.Length} key fields", nameof(labels));
        });

        var heads = await HistoryPartitionReader.OpenHeadsAsync(source, cancellationToken);

        var parser = new EventParser(_definitions) { MaxEventAge = MaxEventAge };
        var states = new Dictionary<string, KeyedState>(StringComparer.Ordinal);
        var users = new Dictionary<string, (DeliveryState State, long LastTicks)>(StringComparer.Ordinal);
        var held = new PriorityQueue<(TreasureEvent Event, string Id), (long Ticks, long Order)>();
        var keysSeen = new HashSet<string>(StringComparer.Ordinal);
        var next = 0;
        long order = 0, read = 0, deadLettered = 0, applied = 0;
        var peak = 0;
        var lastReport = started.Elapsed;

        void Apply(TreasureEvent e, string id)
        {
            if (!remaining.ContainsKey(id)) return; // no row of the key left
            if (!states.TryGetValue(id, out var state))
            {
                states[id] = state = new KeyedState();
                keysSeen.Add(id);
                peak = Math.Max(peak, states.Count);
            }
            state.Add(e, all, _definitions);
            applied++;
        }

        void Answer(KeyedLabelRow row)
        {
            var id = GroupKeys.DocumentId(group, row.Key);
            var state = states.GetValueOrDefault(id);
            state?.Bind(all);
            var answer = new object?[features.Count];
            for (var i = 0; i < answer.Length; i++)
            {
                answer[i] = state is null ? null : FeatureAnswers.UserValue(features[i], state.Feature(features[i].Name), _definitions, window, row.Time);
            }
            values[row.Index] = answer;
            var left = remaining[id] - 1;
            if (left > 0)
            {
                remaining[id] = left;
                return;
            }
            remaining.Remove(id);
            states.Remove(id);
        }

        while (next < rows.Length)
        {
            var clock = heads.TryPeek(out _, out var key) ? key.Ticks : long.MaxValue;
            // Everything that becomes available before the next message's enqueue time (see PointInTimeExport).
            while (next < rows.Length)
            {
                var heldTicks = held.TryPeek(out _, out var heldKey) ? heldKey.Ticks : long.MaxValue;
                var rowTicks = rows[next].Time.UtcTicks;
                if (heldTicks <= rowTicks && heldTicks <= clock)
                {
                    var (e, id) = held.Dequeue();
                    Apply(e, id);
                }
                else if (rowTicks < clock)
                {
                    Answer(rows[next++]);
                }
                else
                {
                    break;
                }
            }
            if (clock == long.MaxValue || next >= rows.Length) break;

            var partition = heads.Dequeue();
            var message = partition.Take();
            if (await partition.FillAsync(cancellationToken)) heads.Enqueue(partition, (partition.HeadTicks, partition.Index));
            order++;
            read++;
            if (EraseControlMessage.IsControl(message.Body.Span))
            {
                // The live path deletes the user document, delivery state included; the keys keep the user's events.
                if (EraseControlMessage.TryRead(message.Body.Span, out var erasure, out _)) users.Remove(erasure!.UserId);
            }
            else if (!parser.TryParse(message, partition.PartitionId, out var parsed, out _))
            {
                deadLettered++;
            }
            else if (IsFirstCopy(parsed!, message, partition.PartitionId, users))
            {
                var values0 = new string[group.Key.Length];
                var complete = true;
                for (var i = 0; i < values0.Length && complete; i++) complete = (values0[i] = GroupKeys.ValueOf(group.Key[i], parsed!)!) is not null;
                if (complete)
                {
                    var id = GroupKeys.DocumentId(group, values0);
                    if (remaining.ContainsKey(id))
                    {
                        if (parsed!.Timestamp.UtcTicks > clock) held.Enqueue((parsed, id), (parsed.Timestamp.UtcTicks, order));
                        else Apply(parsed, id);
                    }
                }
            }
            if (read % SweepEvery == 0)
            {
                // Users idle for longer than the duplicate horizon: no later copy of their events can be a duplicate.
                var horizon = _delivery.Horizon.Ticks;
                foreach (var idle in users.Where(u => clock - u.Value.LastTicks > horizon).Select(u => u.Key).ToList()) users.Remove(idle);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (progress is not null && (read & 0xFFF) == 0 && started.Elapsed - lastReport > TimeSpan.FromSeconds(1))
            {
                lastReport = started.Elapsed;
                progress(new ExportProgress(read, next, rows.Length, started.Elapsed));
            }
        }
        while (next < rows.Length) Answer(rows[next++]); // the history ended: the rest see every event
        progress?.Invoke(new ExportProgress(read, next, rows.Length, started.Elapsed));
        return new ExportResult(values, new ExportSummary(rows.Length, keysSeen.Count, read, applied, deadLettered, peak, started.Elapsed, 0), new HashSet<int>());
    }

    /// <summary>Whether the event is not a producer duplicate: the user's delivery state decides, as in the live path.</summary>
    private bool IsFirstCopy(TreasureEvent e, RawMessage message, string partitionId, Dictionary<string, (DeliveryState State, long LastTicks)> users)
    {
        var state = users.TryGetValue(e.UserId, out var known) ? known.State : DeliveryState.Create();
        state.Begin(partitionId, _delivery.Horizon, _delivery.MaxRememberedIds);
        var decision = state.Decide(e.EventId, message.SequenceNumber, message.EnqueuedTime);
        state.End();
        users[e.UserId] = (state, message.EnqueuedTime.UtcTicks);
        return decision != DeliveryDecision.Duplicate;
    }
}

/// <summary>A keyed label row: the key's values (the group's key order, canonical: <see cref="GroupKeys.Parse"/>) and the time its features are wanted at; <see cref="Index"/> = its position in the label file.</summary>
public readonly record struct KeyedLabelRow(int Index, string[] Key, DateTimeOffset Time) : ILabelRow;
