namespace TreasureHunt.Core.Features;

/// <summary>
/// Plans what a host's start-up writes to the definitions registry for its configured definitions (pure; the caller
/// writes conditionally and re-plans on a conflict). Cases: docs/internals.md#definitions-registration.
/// </summary>
public static class DefinitionsRegistration
{
    public sealed record Plan(IReadOnlyList<string> Errors, IReadOnlyList<RegisteredDefinitions> Writes, ActiveDefinitions? Active)
    {
        public bool Refused => Errors.Count > 0;
        public bool NothingToDo => Errors.Count == 0 && Writes.Count == 0 && Active is null;
    }

    public static Plan PlanStartup(DefinitionsRegistryState registry, FeatureDefinitions configured, string configuredContainer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(configured);
        var writes = new List<RegisteredDefinitions>();
        var version = configured.Version;
        var stored = registry.Find(version);
        if (stored is not null)
        {
            if (stored.IsRetired)
            {
                return Refuse($"version {version} was retired at {stored.RetiredAt:O}; configure the active version's definitions (Features:DefinitionsPath) or a new version");
            }
            if (!string.Equals(stored.UsersContainer, configuredContainer, StringComparison.Ordinal))
            {
                return Refuse($"version {version} is stored in the Cosmos container '{stored.UsersContainer}', but Cosmos:UsersContainer is '{configuredContainer}'; set Cosmos__UsersContainer={stored.UsersContainer}");
            }
            var errors = DefinitionsCompatibility.Check(stored.Parse(), configured);
            if (errors.Count > 0)
            {
                return new Plan(errors.Select(e => $"not compatible with the stored version {version}: {e}").ToList(), [], null);
            }
            var text = FeatureDefinitionsReader.Serialize(configured);
            if (text != stored.Definitions)
            {
                stored.Definitions = text; // compatible additions: recorded, so the stored version stays the reference
                writes.Add(stored);
            }
        }
        else
        {
            var newer = registry.Versions.Where(v => v.Version > version).Select(v => v.Version).DefaultIfEmpty(0).Max();
            if (newer > 0)
            {
                return Refuse($"version {version} is older than the registered version {newer}; versions only move forward");
            }
            var owner = registry.Versions.FirstOrDefault(v => !v.IsRetired && v.UsersContainer == configuredContainer);
            if (owner is not null)
            {
                var errors = DefinitionsCompatibility.Check(owner.Parse(), configured);
                if (errors.Count > 0)
                {
                    return new Plan(errors.Select(e => $"not compatible with the stored version {owner.Version}: {e}").ToList(), [], null);
                }
            }
            writes.Add(RegisteredDefinitions.Create(configured, configuredContainer, DefinitionsStatus.Live, now));
        }
        // One container holds one version: whatever else is not retired and shares the configured container was upgraded in place.
        foreach (var other in registry.Versions.Where(v => v.Version != version && !v.IsRetired && v.UsersContainer == configuredContainer))
        {
            other.Status = DefinitionsStatus.Retired;
            other.RetiredAt = now;
            writes.Add(other);
        }
        ActiveDefinitions? active = null;
        var activeVersion = registry.Active?.Active;
        if (activeVersion is null || writes.Any(w => w.Version == activeVersion && w.IsRetired))
        {
            active = registry.Active ?? new ActiveDefinitions();
            active.Previous = activeVersion;
            active.Active = version;
            active.ChangedAt = now;
        }
        return new Plan([], writes, active);
    }

    private static Plan Refuse(string error) => new([error], [], null);
}
