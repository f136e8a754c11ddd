using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace TreasureHunt.Testing;

/// <summary>
/// xunit collection fixture that makes sure the local emulators answer before the first test of the collection
/// and, after the last one, stops those that a fixture started (see <see cref="LocalEmulators"/>).
/// </summary>
/// <remarks>
/// The collection definition must live in the test assembly itself; add this one line there:
/// <code>
/// [CollectionDefinition("emulators")] public sealed class EmulatorsCollection : ICollectionFixture&lt;EmulatorFixture&gt;;
/// </code>
/// then mark each test class <c>[Collection("emulators")]</c> and take <see cref="EmulatorFixture"/> in its
/// constructor. Give every test its own database / table with <see cref="UniqueName"/>.
/// Progress lines go to xunit's diagnostic messages (<c>"diagnosticMessages": true</c> in xunit.runner.json).
/// </remarks>
public class EmulatorFixture : IAsyncLifetime
{
    /// <summary>The collection name used by <c>[CollectionDefinition]</c> and <c>[Collection]</c>.</summary>
    public const string CollectionName = "emulators";

    private CosmosClient? _cosmos;

    /// <summary>xunit passes its diagnostic message sink here.</summary>
    public EmulatorFixture(IMessageSink diagnostics)
    {
        Emulators = new LocalEmulators(line => diagnostics.OnMessage(new DiagnosticMessage($"[emulators] {line}")));
    }

    /// <summary>A fixture over given emulators (e.g. a private, fault-injecting pair: <see cref="PrivateEmulatorFixture"/>); call InitializeAsync/DisposeAsync yourself.</summary>
    protected EmulatorFixture(LocalEmulators emulators)
    {
        Emulators = emulators;
    }

    /// <summary>The emulators and their connection settings.</summary>
    public LocalEmulators Emulators { get; }

    /// <summary>The Cosmos DB endpoint (https://127.0.0.1:8081/ by default).</summary>
    public Uri CosmosEndpoint => Emulators.CosmosEndpoint;

    /// <summary>The Cosmos DB emulator key.</summary>
    public string CosmosKey => Emulators.CosmosKey;

    /// <summary>Azurite's connection string (explicit form with 127.0.0.1 endpoints).</summary>
    public string StorageConnectionString => Emulators.StorageConnectionString;

    /// <summary>A Cosmos client for the emulator shared by the collection's tests (Gateway mode, see <see cref="EmulatorClients"/>).</summary>
    public CosmosClient Cosmos => _cosmos ??= EmulatorClients.CreateCosmosClient(CosmosEndpoint, CosmosKey);

    /// <summary>A Tables client for Azurite.</summary>
    public TableServiceClient CreateTableServiceClient() => EmulatorClients.CreateTableServiceClient(StorageConnectionString);

    /// <summary>A per-test name for a database, container or table; see <see cref="TestNames.UniqueName"/>.</summary>
    public static string UniqueName(string prefix) => TestNames.UniqueName(prefix);

    public virtual Task InitializeAsync() => Emulators.EnsureStartedAsync();

    public virtual async Task DisposeAsync()
    {
        _cosmos?.Dispose();
        await Emulators.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>A fixture over a private pair of emulators (see <see cref="LocalEmulators(Action{string}?, string, int, double, int)"/>), used inside one test.</summary>
public sealed class PrivateEmulatorFixture(LocalEmulators emulators) : EmulatorFixture(emulators);
