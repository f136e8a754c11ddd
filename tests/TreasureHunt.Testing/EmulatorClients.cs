using System.Net.Security;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;

namespace TreasureHunt.Testing;

/// <summary>
/// SDK clients configured for the local emulators. (The product's storage code has its own factory; these are
/// for tests and probes.)
/// </summary>
public static class EmulatorClients
{
    /// <summary>
    /// A Cosmos client for the local Cosmos DB protocol server: Gateway mode with <c>LimitToEndpoint</c> (the server
    /// speaks only the gateway protocol and has a single region), its self-signed certificate accepted for
    /// loopback endpoints only, and System.Text.Json with web defaults (camelCase) unless other options are given.
    /// </summary>
    public static CosmosClient CreateCosmosClient(
        Uri endpoint,
        string key,
        JsonSerializerOptions? json = null,
        Action<CosmosClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var options = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
            UseSystemTextJsonSerializerWithOptions = json ?? new JsonSerializerOptions(JsonSerializerDefaults.Web),
            HttpClientFactory = () => new HttpClient(CreateEmulatorHandler(), disposeHandler: true),
        };
        configure?.Invoke(options);
        return new CosmosClient(endpoint.ToString(), key, options);
    }

    /// <summary>A Tables client for Azurite (or any connection string).</summary>
    public static TableServiceClient CreateTableServiceClient(string connectionString) => new(connectionString);

    /// <summary>
    /// An HTTP handler that accepts the emulator's self-signed (and expired) certificate, but only from a loopback
    /// host; any other host still gets normal certificate validation.
    /// </summary>
    public static HttpMessageHandler CreateEmulatorHandler() => new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (request, _, _, errors) =>
            errors == SslPolicyErrors.None || request.RequestUri is { IsLoopback: true },
    };
}
