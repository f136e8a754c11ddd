namespace TreasureHunt.Core.Ports;

/// <summary>
/// The keyed group documents of the shadow definitions versions: each back-filled version keeps its keys in a container
/// of its own (<c>items-v{version}</c>, beside its <c>users-v{version}</c>), as the configured version keeps its keys in
/// <c>items</c>.
/// </summary>
public interface IKeyedStoreFactory
{
    /// <summary>The container of version <paramref name="version"/>'s keyed group documents.</summary>
    string ShadowContainerOf(int version);

    /// <summary>The group documents of <paramref name="container"/> (one instance per container).</summary>
    IGroupDocumentStore For(string container);

    /// <summary>Creates the container against the local emulator; in Azure checks it exists (the deployment owns containers).</summary>
    Task EnsureContainerAsync(string container, CancellationToken cancellationToken);

    /// <summary>Deletes a retired version's container against the local emulator; false where this process may not.</summary>
    Task<bool> TryDeleteContainerAsync(string container, CancellationToken cancellationToken);
}
