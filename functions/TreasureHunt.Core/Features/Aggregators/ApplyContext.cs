namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// What applying one event needs beside the event: the definitions (type weights) and the user's latest event time
/// before and after it — windowed and decayed states are kept relative to the latest event.
/// </summary>
public readonly record struct ApplyContext(CompiledDefinitions Definitions, DateTimeOffset? PreviousLast, DateTimeOffset Last);
