using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Ports;

/// <summary>User document stores per definitions version: each version's documents live in their own container.</summary>
public interface IUserStoreFactory
{
    /// <summary>The container of the configured (primary) definitions' user documents (setting Cosmos:UsersContainer).</summary>
    string PrimaryContainer { get; }

    /// <summary>The container a newly registered shadow version gets.</summary>
    string ShadowContainerOf(int version);

    /// <summary>A store over <paramref name="container"/> that binds documents to <paramref name="definitions"/> (one instance per container and definitions).</summary>
    IUserDocumentStore For(string container, CompiledDefinitions definitions);

    /// <summary>Every user id in <paramref name="container"/> (a full scan: only for re-applying erasures after a restore, which finds users by their hash).</summary>
    IAsyncEnumerable<string> ListUserIdsAsync(string container, CancellationToken cancellationToken);

    /// <summary>Creates the container against the local emulator; in Azure checks it exists (Bicep or the deployment owns containers).</summary>
    Task EnsureContainerAsync(string container, CancellationToken cancellationToken);

    /// <summary>Deletes a retired version's container against the local emulator; false where this process may not (Azure: a control-plane operation).</summary>
    Task<bool> TryDeleteContainerAsync(string container, CancellationToken cancellationToken);
}
