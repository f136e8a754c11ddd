using System.Net;
using Azure;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Parking;

namespace TreasureHunt.Storage;

/// <summary>
/// Tells a store's permanent refusal (a message that can never be written: park it) from everything else (retry, hold
/// the partition), from Azure's documented Cosmos DB and Table storage errors: docs/internals.md#store-refusals.
/// </summary>
internal sealed class StoreRefusalClassifier : IStoreRefusalClassifier
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
