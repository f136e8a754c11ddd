using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Ports;

/// <summary>The registry of accepted feature-definitions versions and of the active one (Cosmos <c>progress</c> container, partition <c>definitions</c>).</summary>
public interface IDefinitionsRegistry
{
    /// <summary>Every registered version and the active pointer, with their ETags.</summary>
    Task<DefinitionsRegistryState> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Creates (ETag null) or replaces (if its ETag still matches) a version; false on a conflict. Updates the ETag.</summary>
    Task<bool> TryWriteAsync(RegisteredDefinitions version, CancellationToken cancellationToken);

    /// <summary>Creates (ETag null) or replaces (if its ETag still matches) the active pointer; false on a conflict. Updates the ETag.</summary>
    Task<bool> TryWriteActiveAsync(ActiveDefinitions active, CancellationToken cancellationToken);
}
