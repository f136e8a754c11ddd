using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Polly;
using TreasureHunt.Core.Costs;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// Typed point operations and queries on one container through the SDK's stream API: we serialize ourselves
/// (System.Text.Json, the document classes' own attributes), so every call knows its document size for the RU
/// estimate, writes skip the response body, and 404/409/412 are results rather than exceptions. Every call is
/// retried on transient failures and its RequestCharge recorded on the current <see cref="InvocationUsage"/>.
/// </summary>
internal sealed class CosmosDocuments<T>(Container container, ResiliencePipeline resilience, bool estimateRequestUnits) where T : class
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ItemRequestOptions NoContentResponse = new() { EnableContentResponseOnWrite = false };

    /// <summary>What a write of these documents counts as in the invocation's store-write split.</summary>
    private static readonly StoreWriteKind WriteKind =
        typeof(T) == typeof(Core.Aggregation.UserDocument) ? StoreWriteKind.User
        : typeof(T) == typeof(Core.Rollups.PartitionProgress) || typeof(T) == typeof(Core.History.ShadowProgress) ? StoreWriteKind.Progress
        : StoreWriteKind.Other;

    public Container Container => container;

    public async Task<(T? Document, string? ETag)> ReadAsync(string id, string partitionKey, CancellationToken cancellationToken)
    {
        CosmosDocumentIds.EnsureAddressable(id);
        using var response = await SendAsync(ct => container.ReadItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: ct), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            Record(response, RequestUnitEstimator.Read(0));
            return (null, null);
        }
        response.EnsureSuccessStatusCode();
        // The gateway client has already buffered the body in a MemoryStream: deserialize from its buffer instead of
        // copying it again (the copy was ~3 % of the host's allocations).
        T? document;
        long length;
        if (response.Content is MemoryStream { } buffered && buffered.TryGetBuffer(out var segment))
        {
            var body = segment.AsSpan((int)buffered.Position);
            length = body.Length;
            document = JsonSerializer.Deserialize<T>(body, Json);
        }
        else
        {
            using var copy = new MemoryStream();
            await response.Content.CopyToAsync(copy, cancellationToken);
            length = copy.Length;
            document = JsonSerializer.Deserialize<T>(copy.GetBuffer().AsSpan(0, (int)copy.Length), Json);
        }
        Record(response, RequestUnitEstimator.Read(length));
        InvocationUsage.Current?.AddStoreRead();
        return (document, response.Headers.ETag);
    }

    /// <summary>Creates the document; returns the new ETag, or null when a document with that id already exists.
    /// <paramref name="serialized"/>, when given, sees the exact bytes sent (FinOps attribution without serializing twice).</summary>
    public Task<string?> TryCreateAsync(T document, string id, string partitionKey, CancellationToken cancellationToken, Action<byte[]>? serialized = null) =>
        WriteAsync(id, document, (stream, ct) => container.CreateItemStreamAsync(stream, new PartitionKey(partitionKey), NoContentResponse, ct),
            HttpStatusCode.Conflict, cancellationToken, serialized);

    /// <summary>Replaces the document if its ETag is still <paramref name="ifMatch"/>; returns the new ETag, or null on a conflict (412).</summary>
    public Task<string?> TryReplaceAsync(T document, string id, string partitionKey, string ifMatch, CancellationToken cancellationToken, Action<byte[]>? serialized = null) =>
        WriteAsync(id, document, (stream, ct) => container.ReplaceItemStreamAsync(stream, id, new PartitionKey(partitionKey),
                new ItemRequestOptions { IfMatchEtag = ifMatch, EnableContentResponseOnWrite = false }, ct),
            HttpStatusCode.PreconditionFailed, cancellationToken, serialized);

    /// <summary>Optimistic concurrency in one call: creates the document when <paramref name="ifMatch"/> is null (it was
    /// never read), else replaces it if its ETag is still <paramref name="ifMatch"/>; returns the new ETag, or null when
    /// someone wrote first (the document exists already, or it changed).</summary>
    public Task<string?> TryCreateOrReplaceAsync(T document, string id, string partitionKey, string? ifMatch, CancellationToken cancellationToken) =>
        ifMatch is null
            ? TryCreateAsync(document, id, partitionKey, cancellationToken)
            : TryReplaceAsync(document, id, partitionKey, ifMatch, cancellationToken);

    /// <summary>A point read that hands the document its ETag through <paramref name="setETag"/>; null when there is none.</summary>
    public async Task<T?> ReadTaggedAsync(string id, string partitionKey, Action<T, string?> setETag, CancellationToken cancellationToken)
    {
        var (document, etag) = await ReadAsync(id, partitionKey, cancellationToken);
        if (document is not null) setETag(document, etag);
        return document;
    }

    /// <summary><see cref="TryCreateOrReplaceAsync"/> that hands the document its new ETag through <paramref name="setETag"/>;
    /// false when someone wrote first.</summary>
    public async Task<bool> TryWriteTaggedAsync(T document, string id, string partitionKey, string? ifMatch, Action<T, string> setETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var written = await TryCreateOrReplaceAsync(document, id, partitionKey, ifMatch, cancellationToken);
        if (written is null) return false;
        setETag(document, written);
        return true;
    }

    /// <summary>Writes the document unconditionally.</summary>
    public async Task<string> UpsertAsync(T document, string id, string partitionKey, CancellationToken cancellationToken) =>
        (await WriteAsync(id, document, (stream, ct) => container.UpsertItemStreamAsync(stream, new PartitionKey(partitionKey), NoContentResponse, ct),
            conflictStatus: null, cancellationToken))!;

    /// <summary>Deletes the document; false when there was none (already deleted: an erasure applied again).</summary>
    public async Task<bool> DeleteAsync(string id, string partitionKey, CancellationToken cancellationToken)
    {
        CosmosDocumentIds.EnsureAddressable(id);
        using var response = await SendAsync(ct => container.DeleteItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: ct), cancellationToken);
        Record(response, RequestUnitEstimator.Write(0));
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task<List<T>> QueryAsync(QueryDefinition query, string? partitionKey, CancellationToken cancellationToken)
    {
        var options = partitionKey is null ? null : new QueryRequestOptions { PartitionKey = new PartitionKey(partitionKey) };
        using var iterator = container.GetItemQueryStreamIterator(query, requestOptions: options);
        var results = new List<T>();
        while (iterator.HasMoreResults)
        {
            using var page = await SendAsync(_ => iterator.ReadNextAsync(cancellationToken), cancellationToken);
            page.EnsureSuccessStatusCode();
            using var buffer = new MemoryStream();
            await page.Content.CopyToAsync(buffer, cancellationToken);
            Record(page, RequestUnitEstimator.Query(buffer.Length));
            buffer.Position = 0;
            using var json = await JsonDocument.ParseAsync(buffer, cancellationToken: cancellationToken);
            foreach (var element in json.RootElement.GetProperty("Documents").EnumerateArray())
            {
                results.Add(element.Deserialize<T>(Json)!);
            }
        }
        return results;
    }

    private async Task<string?> WriteAsync(string id, T document, Func<Stream, CancellationToken, Task<ResponseMessage>> write, HttpStatusCode? conflictStatus,
        CancellationToken cancellationToken, Action<byte[]>? serialized = null)
    {
        // A create of an unaddressable id would succeed (the id travels in the body) and leave a document no later
        // read or replace can reach: refuse it before it is written.
        CosmosDocumentIds.EnsureAddressable(id);
        var body = JsonSerializer.SerializeToUtf8Bytes(document, Json);
        serialized?.Invoke(body);
        // publiclyVisible: the SDK wraps a MemoryStream whose buffer it can reach instead of copying the body into its own
        // (Microsoft.Azure.Documents StreamExtension.AsClonableStreamAsync; that copy was ~4 % of the host's allocations).
        using var response = await SendAsync(ct => write(new MemoryStream(body, 0, body.Length, writable: false, publiclyVisible: true), ct), cancellationToken);
        Record(response, RequestUnitEstimator.Write(body.Length));
        if (conflictStatus is { } conflict && response.StatusCode == conflict)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        InvocationUsage.Current?.AddStoreWrite(WriteKind);
        return response.Headers.ETag;
    }

    private async Task<ResponseMessage> SendAsync(Func<CancellationToken, Task<ResponseMessage>> call, CancellationToken cancellationToken) =>
        await resilience.ExecuteAsync(async ct =>
        {
            var response = await call(ct);
            if (CosmosResilience.IsTransient(response.StatusCode))
            {
                Record(response, 0);
                using (response)
                {
                    response.EnsureSuccessStatusCode(); // throws a CosmosException carrying the status and retry-after
                }
            }
            return response;
        }, cancellationToken);

    private void Record(ResponseMessage response, double estimate) =>
        InvocationUsage.Current?.AddRequestUnits(response.Headers.RequestCharge, estimateRequestUnits ? estimate : null);
}
