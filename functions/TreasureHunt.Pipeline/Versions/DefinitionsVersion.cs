using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// A registered definitions version as this process computes and reads it: its compiled definitions and its user store;
/// for a back-filled version with keyed groups, also the store of its keys and declared leaderboards (<see cref="Keyed"/>,
/// container <see cref="KeyedContainer"/>), which the shadow path writes per batch (<see cref="ShadowKeyedWriter"/>).
/// Null for a version whose keys the rollup writes into <c>items</c>. A back-filled version keeps its keys there for good:
/// once the hosts run it as their configured version (<see cref="UsersFromLive"/>), the live processor writes its user
/// documents and the shadow path only reads them to learn which events count.
/// </summary>
public sealed record DefinitionsVersion(int Version, string Status, CompiledDefinitions Definitions, IUserDocumentStore Users, string UsersContainer,
    IGroupDocumentStore? Keyed = null, string? KeyedContainer = null, bool UsersFromLive = false)
{
    /// <summary>The version as a shadow: its keyed groups, if it declares any, kept in <paramref name="keyedStores"/>'
    /// <paramref name="keyedContainer"/> (by default the version's, <see cref="IKeyedStoreFactory.ShadowContainerOf"/>).</summary>
    public static DefinitionsVersion Shadow(int version, string status, CompiledDefinitions definitions, IUserDocumentStore users, string usersContainer,
        IKeyedStoreFactory? keyedStores, string? keyedContainer = null)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        if (keyedStores is null || definitions.Groups.Length == 0) return new DefinitionsVersion(version, status, definitions, users, usersContainer);
        var container = keyedContainer ?? keyedStores.ShadowContainerOf(version);
        return new DefinitionsVersion(version, status, definitions, users, usersContainer, keyedStores.For(container), container);
    }

    /// <summary>
    /// The hosts' configured version. When a back-fill registered it with a keyed container
    /// (<paramref name="keyedContainer"/>, <see cref="RegisteredDefinitions.KeyedContainer"/>), its keys and declared
    /// leaderboards stay there, kept per batch as while it was a shadow — so the back-filled history stays served after
    /// the hosts restart on it.
    /// </summary>
    public static DefinitionsVersion Configured(CompiledDefinitions definitions, IUserDocumentStore users, string usersContainer, string? keyedContainer,
        IKeyedStoreFactory? keyedStores)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var live = new DefinitionsVersion(definitions.Version, DefinitionsStatus.Live, definitions, users, usersContainer);
        if (keyedStores is null || definitions.Groups.Length == 0 || keyedContainer is null) return live;
        return live with { Keyed = keyedStores.For(keyedContainer), KeyedContainer = keyedContainer, UsersFromLive = true };
    }
}
