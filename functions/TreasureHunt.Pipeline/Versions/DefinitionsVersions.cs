using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// This process's view of the definitions registry, re-read at most every <see cref="FeaturesOptions.RegistryRefreshSeconds"/>
/// (two small Cosmos requests), never per batch or per query: which version the query API serves (the active one), and
/// which other versions the live stream keeps current (the shadows). The configured definitions are the primary
/// version: the batch processor, the rollups and the default user store run them. A failed re-read throws (the batch
/// is retried, never processed on a view older than the refresh interval — the back-fill's hand-over relies on it).
/// </summary>
public sealed class DefinitionsVersions(
    IDefinitionsRegistry registry,
    IUserStoreFactory stores,
    IUserDocumentStore primaryUsers,
    CompiledDefinitions configured,
    IOptions<FeaturesOptions> options,
    TimeProvider time,
    ILogger<DefinitionsVersions> logger,
    IKeyedStoreFactory? keyedStores = null)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly Dictionary<(int Version, string Text), CompiledDefinitions> _compiled = [];
    private Snapshot? _snapshot;

    /// <summary>What the registry said at <see cref="ReadAt"/>.</summary>
    public sealed record Snapshot(DateTimeOffset ReadAt, DefinitionsVersion Active, IReadOnlyList<DefinitionsVersion> Readable, IReadOnlyList<DefinitionsVersion> Shadows)
    {
        public DefinitionsVersion? Find(int version) => Readable.FirstOrDefault(v => v.Version == version);

        /// <summary>The versions the shadow path keeps per live batch: every shadow, and the configured version when it keeps
        /// its back-filled keys in its own container (<see cref="DefinitionsVersion.UsersFromLive"/>).</summary>
        public IEnumerable<DefinitionsVersion> KeptPerBatch => Readable[0].UsersFromLive ? Shadows.Append(Readable[0]) : Shadows;
    }

    public TimeSpan RefreshInterval => TimeSpan.FromSeconds(options.Value.RegistryRefreshSeconds);

    public async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_snapshot is { } fresh && now - fresh.ReadAt < RefreshInterval) return fresh;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } again && time.GetUtcNow() - again.ReadAt < RefreshInterval) return again;
            var readAt = time.GetUtcNow();
            var state = await registry.ReadAsync(cancellationToken);
            var snapshot = Build(state, readAt);
            if (_snapshot is null || _snapshot.Active.Version != snapshot.Active.Version || _snapshot.Shadows.Count != snapshot.Shadows.Count)
            {
                logger.LogInformation("Definitions: serving version {Active}; keeping {Shadows} shadow version(s) current: {List}",
                    snapshot.Active.Version, snapshot.Shadows.Count, string.Join(", ", snapshot.Shadows.Select(s => $"{s.Version} ({s.Status})")));
            }
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private Snapshot Build(DefinitionsRegistryState state, DateTimeOffset readAt)
    {
        // A configured version a back-fill registered keeps serving and computing its keys in its own keyed container.
        var primary = DefinitionsVersion.Configured(configured, primaryUsers, stores.PrimaryContainer, state.Find(configured.Version)?.KeyedContainer, keyedStores);
        var readable = new List<DefinitionsVersion> { primary };
        var shadows = new List<DefinitionsVersion>();
        foreach (var entry in state.Versions)
        {
            if (entry.IsRetired || entry.Version == configured.Version || entry.UsersContainer == stores.PrimaryContainer) continue;
            var definitions = Compile(entry);
            // Only a back-filled version has keys of its own (registered before the container was recorded: the one named
            // after its users container); a version the hosts ran before, whose keys were the rollup's, keeps its users current.
            var keyedContainer = entry.KeyedContainer
                ?? (entry.UsersContainer == stores.ShadowContainerOf(entry.Version) ? keyedStores?.ShadowContainerOf(entry.Version) : null);
            var version = DefinitionsVersion.Shadow(entry.Version, entry.Status, definitions, stores.For(entry.UsersContainer, definitions), entry.UsersContainer,
                keyedContainer is null ? null : keyedStores, keyedContainer);
            shadows.Add(version);
            if (entry.Status == DefinitionsStatus.Live) readable.Add(version);
        }
        var active = readable.FirstOrDefault(v => v.Version == state.Active?.Active) ?? primary;
        return new Snapshot(readAt, active, readable, shadows);
    }

    private CompiledDefinitions Compile(RegisteredDefinitions entry)
    {
        if (!_compiled.TryGetValue((entry.Version, entry.Definitions), out var compiled))
        {
            compiled = FeatureDefinitionsReader.Compile(entry.Parse(), $"stored definitions version {entry.Version}");
            _compiled[(entry.Version, entry.Definitions)] = compiled;
        }
        return compiled;
    }
}
