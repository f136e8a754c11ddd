using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>A registered definitions version as this process computes and reads it: its compiled definitions and its user store.</summary>
public sealed record DefinitionsVersion(int Version, string Status, CompiledDefinitions Definitions, IUserAggregateStore Users, string UsersContainer);
