using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>
/// Entity state kept as JSON between operations, as a durable backend does: an entity sees only what survives a
/// serialization round trip.
/// </summary>
public sealed class FakeEntityState : TaskEntityState
{
    public static readonly JsonSerializerOptions Json = new();

    public string? Serialized { get; private set; }

    public override bool HasState => Serialized is not null;

    public override object? GetState(Type type) => Serialized is null ? null : JsonSerializer.Deserialize(Serialized, type, Json);

    public override void SetState(object? state) => Serialized = state is null ? null : JsonSerializer.Serialize(state, state.GetType(), Json);
}

/// <summary>The context of one entity batch: signals the entity sends (the item shard's delayed self <c>flush</c>) go to
/// <paramref name="signals"/>, to be delivered by the backend after the batch; without a sink a signal is an error.</summary>
public sealed class FakeEntityContext(EntityInstanceId id, Action<EntityInstanceId, string, object?, SignalEntityOptions?>? signals = null) : TaskEntityContext
{
    public override EntityInstanceId Id => id;

    public override void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null)
    {
        if (signals is null) throw new NotSupportedException($"unexpected signal {operationName} to {id}");
        signals(id, operationName, input, options);
    }

    public override string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null) =>
        throw new NotSupportedException("the rollup entities do not start orchestrations");
}

/// <summary>One operation; its input is serialized and read back like a signal's payload.</summary>
public sealed class FakeEntityOperation(string name, object? input, TaskEntityContext context, TaskEntityState state) : TaskEntityOperation
{
    private readonly string? _input = input is null ? null : JsonSerializer.Serialize(input, input.GetType(), FakeEntityState.Json);

    public override string Name => name;

    public override TaskEntityContext Context => context;

    public override TaskEntityState State => state;

    public override bool HasInput => _input is not null;

    public override object? GetInput(Type inputType) => _input is null ? null : JsonSerializer.Deserialize(_input, inputType, FakeEntityState.Json);
}
