using System.Text;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// Which strings Cosmos DB can address as a document id, checked before any request is sent. Azure documents that an
/// id is at most 1,023 bytes and may not contain <c>/</c>, <c>\</c>, <c>?</c> or <c>#</c>
/// (https://learn.microsoft.com/azure/cosmos-db/concepts-limits#per-item-limits ,
/// https://learn.microsoft.com/dotnet/api/microsoft.azure.documents.resource.id). In Gateway mode the SDK also puts the id
/// into the request path (<c>…/docs/{id}</c>), where <c>.</c> and <c>..</c> are dot segments that URL normalization
/// removes: the request then names another resource than the one signed, and the service answers 401 on every try.
/// </summary>
internal static class CosmosDocumentIds
{
    /// <summary>Cosmos DB's limit on an id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 1023;

    private static readonly System.Buffers.SearchValues<char> Forbidden = System.Buffers.SearchValues.Create("/\\?#");

    /// <summary>Null when <paramref name="id"/> is addressable, else why not.</summary>
    public static string? WhyNotAddressable(string id)
    {
        if (string.IsNullOrEmpty(id)) return "a document id may not be empty";
        if (ContractLimits.IsDotSegment(id)) return $"a document id may not be '{id}': URL normalization removes it from the request path";
        if (id.AsSpan().ContainsAny(Forbidden)) return "a document id may not contain '/', '\\', '?' or '#'";
        if (Encoding.UTF8.GetByteCount(id) > MaxIdBytes) return $"a document id is at most {MaxIdBytes} bytes of UTF-8";
        return null;
    }

    /// <summary>Throws <see cref="DocumentIdRefusedException"/> when <paramref name="id"/> cannot be addressed.</summary>
    public static void EnsureAddressable(string id)
    {
        if (WhyNotAddressable(id) is { } reason) throw new DocumentIdRefusedException(reason);
    }
}
