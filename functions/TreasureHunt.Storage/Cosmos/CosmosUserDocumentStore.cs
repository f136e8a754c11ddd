using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// User documents in the <c>users</c> container: one conditional write per user per batch (IfMatch on the version it
/// was computed from; on 412 reload and re-apply), with a writer cache that skips the read when this writer wrote last.
/// Concurrency and bulk execution: docs/internals.md#user-document-store.
/// </summary>
internal sealed class CosmosUserDocumentStore(CosmosDocuments<UserDocument> documents, CompiledDefinitions definitions, WriterCache<UserDocument>? writerCache = null,
    CosmosDocuments<UserDocument>? batchedDocuments = null) : IUserDocumentStore
{
    private readonly CosmosDocuments<UserDocument> _updates = batchedDocuments ?? documents;

    /// <summary>True when updates go through bulk execution: the caller should submit all of a batch's updates at once.</summary>
    public bool GroupsConcurrentUpdates => batchedDocuments is not null;

    public Task<UserDocument?> GetAsync(string userId, CancellationToken cancellationToken) => ReadAsync(documents, userId, cancellationToken);

    private async Task<UserDocument?> ReadAsync(CosmosDocuments<UserDocument> source, string userId, CancellationToken cancellationToken)
    {
        var (document, etag) = await source.ReadAsync(userId, userId, cancellationToken);
        if (document is not null)
        {
            document.ETag = etag;
            document.Bind(definitions); // upgrade on read: schema 1 → 2, and to the current definitions
        }
        return document;
    }

    public async Task<bool> UpdateAsync(string userId, Func<UserDocument, bool> apply, CancellationToken cancellationToken)
    {
        // Exclusive: a concurrent update of the same user finds the slot empty and reads its own copy.
        var current = writerCache?.TakeOut(userId);
        while (true)
        {
            current ??= await ReadAsync(_updates, userId, cancellationToken);
            var aggregate = current ?? UserDocument.Create(userId, definitions);
            if (!apply(aggregate))
            {
                if (current is not null)
                {
                    writerCache?.Keep(userId, current); // unchanged (nothing to store): still the stored version with its ETag
                }
                return false;
            }
            string? etag;
            byte[]? body = null;
            try
            {
                etag = current is null
                    ? await _updates.TryCreateAsync(aggregate, userId, userId, cancellationToken, b => body = b)
                    : await _updates.TryReplaceAsync(aggregate, userId, userId, current.ETag!, cancellationToken, b => body = b);
            }
            catch
            {
                writerCache?.Forget(userId); // the cached copy holds changes that were not stored
                throw;
            }
            if (etag is not null)
            {
                AttributeToFeatures(body!);
                aggregate.ETag = etag;
                writerCache?.Keep(userId, aggregate);
                return true;
            }
            // Another writer got there first (412 or 409): reload and apply again to the fresh document.
            writerCache?.Forget(userId);
            current = null;
        }
    }

    public async Task<bool> DeleteAsync(string userId, CancellationToken cancellationToken)
    {
        writerCache?.Forget(userId); // a cached copy would be written back with its watermarks
        var deleted = await documents.DeleteAsync(userId, userId, cancellationToken);
        writerCache?.Forget(userId); // and one cached by a write that raced the delete
        return deleted;
    }

    /// <summary>
    /// FinOps: attributes the write to the document's parts — each feature, <c>delivery</c> (exactly-once state) and
    /// <c>document</c> (identity, times, the rest) — by their bytes in the body that was sent, and splits the write's
    /// estimated RU in the same proportion (<see cref="RequestUnitEstimator"/>). Recorded on the invocation's usage, then
    /// in its cost record. It walks the serialized body with a <see cref="System.Text.Json.Utf8JsonReader"/> (no
    /// allocation) instead of serializing each part again (that second serialization was ~5 % of the host's CPU).
    /// </summary>
    internal static void AttributeToFeatures(byte[] body)
    {
        if (InvocationUsage.Current is not { } usage) return;
        var total = body.Length;
        var ru = RequestUnitEstimator.Write(total);
        long parts = 0;
        var reader = new System.Text.Json.Utf8JsonReader(body);
        reader.Read(); // the document's StartObject
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("features"u8))
            {
                reader.Read(); // StartObject of the features
                while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var start = reader.TokenStartIndex;
                    reader.Read();
                    reader.Skip();
                    var bytes = reader.BytesConsumed - start; // "name": and the feature's state
                    parts += bytes;
                    usage.AddFeatureWrite(name, bytes, ru * bytes / total);
                }
            }
            else if (reader.ValueTextEquals("delivery"u8))
            {
                var start = reader.TokenStartIndex;
                reader.Read();
                reader.Skip();
                var bytes = reader.BytesConsumed - start;
                parts += bytes;
                usage.AddFeatureWrite("delivery", bytes, ru * bytes / total);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        var rest = Math.Max(0, total - parts);
        usage.AddFeatureWrite("document", rest, ru * rest / total);
    }
}
