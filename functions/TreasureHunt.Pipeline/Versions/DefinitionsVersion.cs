using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// A registered definitions version as this process computes and reads it: its compiled definitions and its user store;
/// for a shadow version with keyed groups, also the store of its keys (<see cref="Keyed"/>, container
/// <see cref="KeyedContainer"/>), which the shadow path writes per batch. Null for the configured version, whose keys
/// the rollup writes into <c>items</c>.
/// </summary>
public sealed record DefinitionsVersion(int Version, string Status, CompiledDefinitions Definitions, IUserAggregateStore Users, string UsersContainer,
    IGroupDocumentStore? Keyed = null, string? KeyedContainer = null)
{
    /// <summary>The version as a shadow: its keyed groups, if it declares any, kept in <paramref name="keyedStores"/>' container of the version.</summary>
    public static DefinitionsVersion Shadow(int version, string status, CompiledDefinitions definitions, IUserAggregateStore users, string usersContainer,
        IKeyedStoreFactory? keyedStores)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        if (keyedStores is null || definitions.Groups.Length == 0) return new DefinitionsVersion(version, status, definitions, users, usersContainer);
        var container = keyedStores.ShadowContainerOf(version);
        return new DefinitionsVersion(version, status, definitions, users, usersContainer, keyedStores.For(container), container);
    }
}
