using System.Net;
using Azure;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Parking;

namespace TreasureHunt.Storage;

/// <summary>
/// The permanent refusals of Cosmos DB and Azure Table storage, as documented by Azure:
/// <list type="bullet">
/// <item>Cosmos DB 413 <c>RequestEntityTooLarge</c> (an item over 2 MB), 400 <c>BadRequest</c> (a document the service
/// will never accept), 403 with sub-status 1014 (the logical partition is full) —
/// https://learn.microsoft.com/azure/cosmos-db/nosql/troubleshoot-request-entity-too-large ,
/// https://learn.microsoft.com/rest/api/cosmos-db/http-status-codes-for-cosmosdb .</item>
/// <item>Table storage 413 <c>RequestBodyTooLarge</c> (a transaction over 4 MiB) and 400 <c>EntityTooLarge</c>
/// (over 1 MiB), <c>PropertyValueTooLarge</c> (over 64 KiB), <c>TooManyProperties</c>, <c>PropertyNameTooLong</c> —
/// https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes .</item>
/// <item>A document id Cosmos DB cannot address (<see cref="Cosmos.DocumentIdRefusedException"/>, refused before it is
/// sent: the service would answer 401 for <c>.</c> and <c>..</c>, a 401 that cannot be told from a wrong key).</item>
/// </list>
/// Everything else is not a refusal: throttling and outages are retried, and errors that mean our own code or
/// configuration is wrong (a batch over 100 operations or across partitions, authentication, a missing table) hold the
/// partition rather than park the stream.
/// </summary>
public sealed class StoreRefusalClassifier : IStoreRefusalClassifier
{
    private static readonly HashSet<string> TableRefusalCodes = new(StringComparer.Ordinal)
    {
        "EntityTooLarge", "PropertyValueTooLarge", "TooManyProperties", "PropertyNameTooLong", "RequestBodyTooLarge",
    };

    public bool IsRefusal(Exception exception, out string detail)
    {
        switch (exception)
        {
            case Cosmos.DocumentIdRefusedException d:
                detail = $"Cosmos DB document id refused: {d.Message}";
                return true;
            case CosmosException c when c.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest
                                     || (c.StatusCode == HttpStatusCode.Forbidden && c.SubStatusCode == 1014):
                detail = $"Cosmos DB {(int)c.StatusCode} {c.StatusCode}: {FirstLine(c.ResponseBody ?? c.Message)}";
                return true;
            case RequestFailedException r when r.Status == 413 || (r.Status == 400 && r.ErrorCode is { } code && TableRefusalCodes.Contains(code)):
                detail = $"Table storage {r.Status} {r.ErrorCode}: {FirstLine(r.Message)}";
                return true;
            default:
                detail = "";
                return false;
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..300];
    }
}
