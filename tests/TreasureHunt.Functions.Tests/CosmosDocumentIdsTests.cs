using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;

namespace TreasureHunt.Functions.Tests;

public sealed class CosmosDocumentIdsTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    public void Ids_cosmos_cannot_address_are_refused_and_classified_as_a_refusal(string id)
    {
        Assert.NotNull(CosmosDocumentIds.WhyNotAddressable(id));
        var refused = Assert.Throws<DocumentIdRefusedException>(() => CosmosDocumentIds.EnsureAddressable(id));
        Assert.True(new StoreRefusalClassifier().IsRefusal(refused, out var detail));
        Assert.StartsWith("Cosmos DB document id refused", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_longest_id_is_1023_bytes_of_utf8()
    {
        Assert.Null(CosmosDocumentIds.WhyNotAddressable(new string('a', 1023)));
        Assert.NotNull(CosmosDocumentIds.WhyNotAddressable(new string('a', 1024)));
        Assert.NotNull(CosmosDocumentIds.WhyNotAddressable(new string('é', 512))); // 1,024 bytes
    }

    [Theory]
    [InlineData("...")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("u-42:x@y_z")]
    [InlineData("hour-view-2026112713")]
    public void Every_other_shape_is_addressable(string id) => Assert.Null(CosmosDocumentIds.WhyNotAddressable(id));
}
