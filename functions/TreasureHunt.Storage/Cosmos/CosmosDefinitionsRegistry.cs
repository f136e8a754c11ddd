using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// The definitions registry in the <c>progress</c> container, logical partition <c>definitions</c>: one small
/// document per version (<see cref="RegisteredDefinitions"/>) and the active pointer (<see cref="ActiveDefinitions"/>).
/// A read is one single-partition query plus one point read; writes are conditional (ETag).
/// </summary>
internal sealed class CosmosDefinitionsRegistry(CosmosDocuments<RegisteredDefinitions> versions, CosmosDocuments<ActiveDefinitions> active) : IDefinitionsRegistry
{
    private const string Partition = RegisteredDefinitions.RegistryPartition;

    public async Task<DefinitionsRegistryState> ReadAsync(CancellationToken cancellationToken)
    {
        // Every document of the partition; the pointer is skipped here and read by id (queried documents carry no ETag of ours).
        var listed = await versions.QueryAsync(new QueryDefinition("SELECT * FROM c"), Partition, cancellationToken);
        var results = new List<RegisteredDefinitions>(listed.Count);
        foreach (var entry in listed.Where(v => v.Id.StartsWith("definitions-v", StringComparison.Ordinal)).OrderBy(v => v.Version))
        {
            var (document, etag) = await versions.ReadAsync(entry.Id, Partition, cancellationToken);
            if (document is null) continue; // deleted meanwhile
            document.ETag = etag;
            results.Add(document);
        }
        var (pointer, pointerEtag) = await active.ReadAsync(ActiveDefinitions.DocumentId, Partition, cancellationToken);
        if (pointer is not null) pointer.ETag = pointerEtag;
        return new DefinitionsRegistryState(results, pointer);
    }

    public async Task<bool> TryWriteAsync(RegisteredDefinitions version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        var etag = await versions.TryCreateOrReplaceAsync(version, version.Id, Partition, version.ETag, cancellationToken);
        if (etag is null) return false;
        version.ETag = etag;
        return true;
    }

    public async Task<bool> TryWriteActiveAsync(ActiveDefinitions pointer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        var etag = await active.TryCreateOrReplaceAsync(pointer, pointer.Id, Partition, pointer.ETag, cancellationToken);
        if (etag is null) return false;
        pointer.ETag = etag;
        return true;
    }
}
