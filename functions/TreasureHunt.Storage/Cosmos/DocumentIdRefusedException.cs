namespace TreasureHunt.Storage.Cosmos;

/// <summary>A document id Cosmos DB could never address (<see cref="CosmosDocumentIds"/>): a permanent refusal of that
/// one document, raised before any request is sent, which <see cref="StoreRefusalClassifier"/> narrows to its unit.</summary>
internal sealed class DocumentIdRefusedException(string reason) : Exception(reason);
