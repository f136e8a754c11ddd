using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>A users container's documents by id, without what legitimately differs between two runs of the same
/// history: Cosmos system members, the stored version, and the latest batch's duplicate decisions (they depend on where
/// the batches were cut).</summary>
internal static class StoredUserDocuments
{
    public static async Task<Dictionary<string, JsonObject>> ReadAsync(Container container)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        using var iterator = container.GetItemQueryIterator<JsonElement>("SELECT * FROM c");
        while (iterator.HasMoreResults)
        {
            foreach (var element in await iterator.ReadNextAsync())
            {
                var node = JsonNode.Parse(element.GetRawText())!.AsObject();
                foreach (var system in new[] { "_rid", "_self", "_etag", "_attachments", "_ts", "version" }) node.Remove(system);
                node["delivery"]!.AsObject().Remove("duplicates");
                result[node["id"]!.GetValue<string>()] = node;
            }
        }
        return result;
    }
}
