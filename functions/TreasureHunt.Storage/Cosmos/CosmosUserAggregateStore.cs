using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// User documents (<see cref="UserDocument"/>, schema 2; schema-1 documents are upgraded on read) in the <c>users</c> container (id = partition key = userId). One conditional write per user
/// per batch: the write carries the ETag of the version it was computed from (IfMatch), or is a create that
/// fails if the document appeared meanwhile; on either conflict the document is reloaded and the batch
/// re-applied to it. Applying the same events twice is a no-op because the aggregate's per-partition watermark
/// is in the document.
/// <para>
/// Writers keep the version they last wrote in a bounded in-process cache: a partition's owner is usually the
/// only writer of its users, so the read before the write is skipped (one call per user per batch instead of
/// two). The ETag keeps this safe: if anyone else wrote the document, the write gets 412 and the store reloads.
/// A cached aggregate whose write failed is evicted, so a redelivered batch starts from what is stored.
/// An update takes the cached aggregate out of its slot (atomically) while it applies and writes, so two concurrent
/// updates of one user never mutate the same instance: the second one reads from Cosmos and, if the first one wrote
/// meanwhile, gets 412 and reloads. Reads for queries (<see cref="GetAsync"/>) always go to Cosmos.
/// </para>
/// <para>
/// With <paramref name="batchedDocuments"/> (the same container through the bulk-enabled client, <c>Cosmos:BulkExecution</c>)
/// an update's read and write go through it: the SDK groups the concurrent updates of a batch into batch requests, each
/// operation keeping its own IfMatch ETag and answer, so the conflict handling above is unchanged. Queries and deletes
/// stay single requests (they would otherwise wait on the SDK's batching timer).
/// </para>
/// </summary>
public sealed class CosmosUserAggregateStore(CosmosDocuments<UserDocument> documents, CompiledDefinitions definitions, WriterCache<UserDocument>? writerCache = null,
    CosmosDocuments<UserDocument>? batchedDocuments = null) : IUserAggregateStore
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
    /// allocation) instead of serializing each part again (issue 15: that second serialization was ~5 % of the host's CPU).
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
