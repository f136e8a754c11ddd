using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// The registry operations of <c>./th backfill</c> and <c>./th features promote|retire</c>: register a new version as
/// a shadow, mark it caught up, promote it (one conditional write of the active pointer: readers resolve the old or
/// the new version, never a mix), retire an old one. Every write is conditional; a conflict reads again and retries.
/// </summary>
public sealed class DefinitionsAdmin(IDefinitionsRegistry registry, IUserStoreFactory stores, TimeProvider time, IKeyedStoreFactory? keyedStores = null)
{
    private const int MaxConflicts = 10;

    /// <summary>Registers <paramref name="candidate"/> as a shadow being back-filled (or returns it to resume a back-fill).</summary>
    public async Task<RegisteredDefinitions> RegisterShadowAsync(FeatureDefinitions candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var invalid = FeatureDefinitionsReader.Validate(candidate);
        if (invalid.Count > 0) throw new FeatureDefinitionsException($"version {candidate.Version}", invalid);
        var text = FeatureDefinitionsReader.Serialize(candidate);
        return await RetryAsync(async () =>
        {
            var state = await registry.ReadAsync(cancellationToken);
            if (state.Find(candidate.Version) is { } existing)
            {
                if (existing.IsRetired) throw Refused($"version {candidate.Version} was retired; back-fill a new version");
                if (existing.UsersContainer == stores.PrimaryContainer)
                {
                    throw Refused($"version {candidate.Version} is the hosts' configured version (container '{existing.UsersContainer}'); a back-fill needs a new version");
                }
                if (existing.Definitions != text)
                {
                    throw Refused($"version {candidate.Version} is registered with different definitions; give the changed document a new version");
                }
                await stores.EnsureContainerAsync(existing.UsersContainer, cancellationToken);
                await EnsureKeyedContainerAsync(candidate, cancellationToken);
                return existing; // resume
            }
            var newest = state.Versions.Select(v => v.Version).DefaultIfEmpty(0).Max();
            if (candidate.Version <= newest)
            {
                throw Refused($"version {candidate.Version} must be higher than every registered version (the newest is {newest})");
            }
            if (state.Find(state.Active?.Active ?? -1) is { } active)
            {
                var errors = DefinitionsCompatibility.Check(active.Parse(), candidate);
                if (errors.Count > 0) throw new FeatureDefinitionsException($"version {candidate.Version} against the active version {active.Version}", errors);
            }
            var entry = RegisteredDefinitions.Create(candidate, stores.ShadowContainerOf(candidate.Version), DefinitionsStatus.Backfilling, time.GetUtcNow());
            await stores.EnsureContainerAsync(entry.UsersContainer, cancellationToken);
            entry.KeyedContainer = await EnsureKeyedContainerAsync(candidate, cancellationToken);
            return await registry.TryWriteAsync(entry, cancellationToken) ? entry : null;
        }, cancellationToken);
    }

    /// <summary>The back-fill has reached the live stream: the version becomes readable and promotable.</summary>
    public Task<RegisteredDefinitions> MarkCaughtUpAsync(int version, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            var entry = (await registry.ReadAsync(cancellationToken)).Find(version) ?? throw Refused($"version {version} is not registered");
            if (entry.Status != DefinitionsStatus.Backfilling) return entry;
            entry.Status = DefinitionsStatus.Live;
            entry.CaughtUpAt = time.GetUtcNow();
            return await registry.TryWriteAsync(entry, cancellationToken) ? entry : null;
        }, cancellationToken);

    /// <summary>Switches reads to <paramref name="version"/>: one write of the active pointer. Returns the previous active version.</summary>
    public Task<int?> PromoteAsync(int version, CancellationToken cancellationToken) =>
        RetryAsync<int?>(async () =>
        {
            var state = await registry.ReadAsync(cancellationToken);
            var entry = state.Find(version) ?? throw Refused($"version {version} is not registered (./th backfill --definitions FILE registers it)");
            if (entry.Status != DefinitionsStatus.Live)
            {
                throw Refused($"version {version} is {entry.Status}; only a caught-up (live) version can be promoted");
            }
            var pointer = state.Active ?? new ActiveDefinitions();
            if (state.Active?.Active == version) return version;
            var previous = state.Active?.Active;
            pointer.Previous = previous;
            pointer.Active = version;
            pointer.ChangedAt = time.GetUtcNow();
            return await registry.TryWriteActiveAsync(pointer, cancellationToken) ? previous ?? 0 : null;
        }, cancellationToken);

    /// <summary>Stops computing and serving <paramref name="version"/>; drops its container where this process may (the local emulator).</summary>
    public Task<RegisteredDefinitions> RetireAsync(int version, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            var state = await registry.ReadAsync(cancellationToken);
            var entry = state.Find(version) ?? throw Refused($"version {version} is not registered");
            if (entry.IsRetired) return entry;
            if (state.Active?.Active == version) throw Refused($"version {version} is active (served); promote another version first");
            if (entry.UsersContainer == stores.PrimaryContainer)
            {
                throw Refused($"version {version} is the hosts' configured version (container '{entry.UsersContainer}'); configure the promoted version's definitions " +
                    "(Features__DefinitionsPath, Cosmos__UsersContainer) and restart the hosts first");
            }
            entry.Status = DefinitionsStatus.Retired;
            entry.RetiredAt = time.GetUtcNow();
            if (!await registry.TryWriteAsync(entry, cancellationToken)) return null;
            await stores.TryDeleteContainerAsync(entry.UsersContainer, cancellationToken);
            if (keyedStores is not null) await keyedStores.TryDeleteContainerAsync(entry.KeyedContainer ?? keyedStores.ShadowContainerOf(version), cancellationToken);
            return entry;
        }, cancellationToken);

    /// <summary>The container of the version's keyed groups, when it declares any (<see cref="DefinitionsVersion.Shadow"/>); null otherwise.</summary>
    private async Task<string?> EnsureKeyedContainerAsync(FeatureDefinitions candidate, CancellationToken cancellationToken)
    {
        if (keyedStores is null || (candidate.Item.Count == 0 && candidate.Global.Count == 0 && (candidate.Groups?.Count ?? 0) == 0)) return null;
        var container = keyedStores.ShadowContainerOf(candidate.Version);
        await keyedStores.EnsureContainerAsync(container, cancellationToken);
        return container;
    }

    private static InvalidOperationException Refused(string message) => new(message);

    private static async Task<T> RetryAsync<T>(Func<Task<T?>> attempt, CancellationToken cancellationToken)
    {
        for (var i = 0; i < MaxConflicts; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await attempt() is { } done) return done;
        }
        throw new InvalidOperationException($"the definitions registry changed {MaxConflicts} times under the operation; try again");
    }
}
