using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;
using TreasureHunt.Pipeline.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>
/// A durable entity backend in memory: signals run the real entity classes at once (one batch at a time, like an
/// entity's single-threaded execution) against JSON-kept state; reads return that state. As the Functions host and the
/// local host do, it creates one entity instance per batch (<see cref="RunBatch"/>; a signal from a client is a batch
/// of one), and delivers a signal an entity sends (the item shard's delayed self <c>flush</c>) only after the batch
/// that sent it and once its <c>SignalTime</c> is due: <see cref="AdvanceAndDeliverDue"/> moves the fake clock on and
/// delivers what became due.
/// </summary>
public sealed class InMemoryEntityClient : DurableEntityClient
{
    private readonly Lock _lock = new();
    private readonly Dictionary<EntityInstanceId, FakeEntityState> _states = [];
    private readonly RollupOptions _options;
    private readonly ItemShardWriter _writer;
    private readonly FakeTimeProvider _clock;
    private readonly PipelineMetrics _metrics = new();
    private readonly List<ScheduledSignal> _scheduled = [];

    public InMemoryEntityClient(RollupOptions options, ItemShardWriter writer, FakeTimeProvider clock) : base("in-memory")
    {
        _options = options;
        _writer = writer;
        _clock = clock;
    }

    /// <summary>Signals sent by clients (the pipeline), in order.</summary>
    public List<(EntityInstanceId Id, string Operation, object? Input)> Signals { get; } = [];

    /// <summary>Signals the entities sent (to themselves), in order, with the time they were due.</summary>
    public List<ScheduledSignal> EntitySignals { get; } = [];

    /// <summary>Entity signals not delivered yet.</summary>
    public IReadOnlyList<ScheduledSignal> Scheduled { get { lock (_lock) return _scheduled.ToList(); } }

    public FakeTimeProvider Clock => _clock;

    /// <summary>A <see cref="DurableTaskClient"/> whose <c>Entities</c> is this backend.</summary>
    public DurableTaskClient AsClient()
    {
        var client = new Mock<DurableTaskClient>("in-memory");
        client.SetupGet(c => c.Entities).Returns(this);
        return client.Object;
    }

    /// <summary>Runs one operation as a batch of its own.</summary>
    public object? Run(EntityInstanceId id, string operation, object? input = null) => RunBatch(id, [(operation, input)]).Last();

    /// <summary>Runs operations as one entity batch: one entity instance for all of them, then delivers the entity
    /// signals that are due already.</summary>
    public IReadOnlyList<object?> RunBatch(EntityInstanceId id, IReadOnlyList<(string Operation, object? Input)> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        lock (_lock)
        {
            if (!_states.TryGetValue(id, out var state))
            {
                _states[id] = state = new FakeEntityState();
            }
            ITaskEntity entity = id.Name switch
            {
                RollupEntityNames.ItemShard => new ItemShardEntity(Options.Create(_options), _writer, _writer.Definitions, _clock, _metrics, NullLogger<ItemShardEntity>.Instance),
                RollupEntityNames.GlobalTotals => new GlobalTotalsEntity(_metrics),
                _ => throw new InvalidOperationException($"unknown entity {id}"),
            };
            var sent = new List<ScheduledSignal>();
            var context = new FakeEntityContext(id, (target, operation, input, options) =>
                sent.Add(new ScheduledSignal(options?.SignalTime ?? _clock.GetUtcNow(), target, operation, input)));
            var results = operations
                .Select(o => entity.RunAsync(new FakeEntityOperation(o.Operation, o.Input, context, state)).AsTask().GetAwaiter().GetResult())
                .ToList();
            // Signals leave with the batch's commit.
            EntitySignals.AddRange(sent);
            _scheduled.AddRange(sent);
            DeliverDue();
            return results;
        }
    }

    /// <summary>Moves the clock on by <paramref name="by"/> and delivers the entity signals due by then, each entity's
    /// due signals as one batch, earliest first; returns how many were delivered.</summary>
    public int AdvanceAndDeliverDue(TimeSpan by)
    {
        lock (_lock)
        {
            _clock.Advance(by);
            return DeliverDue();
        }
    }

    /// <summary>Advances by <c>ItemTailFlushSeconds</c> until no entity signal is outstanding (at most
    /// <paramref name="maxRounds"/> rounds: a shard that keeps rescheduling is a bug); returns the rounds taken.</summary>
    public int Settle(int maxRounds = 20)
    {
        for (var round = 0; round < maxRounds; round++)
        {
            lock (_lock)
            {
                if (_scheduled.Count == 0) return round;
            }
            AdvanceAndDeliverDue(_options.ItemTailFlushDelay);
        }
        throw new InvalidOperationException($"entity signals still outstanding after {maxRounds} rounds: {string.Join(", ", Scheduled)}");
    }

    private int DeliverDue()
    {
        var delivered = 0;
        while (true)
        {
            var now = _clock.GetUtcNow();
            var due = _scheduled.Where(s => s.Due <= now).OrderBy(s => s.Due).ToList();
            if (due.Count == 0) return delivered;
            foreach (var s in due) _scheduled.Remove(s);
            foreach (var batch in due.GroupBy(s => s.Id))
            {
                RunBatch(batch.Key, batch.Select(s => (s.Operation, s.Input)).ToList());
                delivered += batch.Count();
            }
        }
    }

    public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default)
    {
        lock (_lock)
        {
            Signals.Add((id, operationName, input));
            Run(id, operationName, input);
        }
        return Task.CompletedTask;
    }

    public override Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_states.TryGetValue(id, out var state) && state.HasState
                ? new EntityMetadata<T>(id, (T)state.GetState(typeof(T))!)
                : null);
        }
    }

    public override Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
        throw new NotSupportedException();

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) => throw new NotSupportedException();

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) => throw new NotSupportedException();

    public override Task<CleanEntityStorageResult> CleanEntityStorageAsync(CleanEntityStorageRequest? request = null, bool continueUntilComplete = true, CancellationToken cancellation = default) =>
        throw new NotSupportedException();
}

/// <summary>A signal an entity sent, due at <see cref="Due"/>.</summary>
public sealed record ScheduledSignal(DateTimeOffset Due, EntityInstanceId Id, string Operation, object? Input);
