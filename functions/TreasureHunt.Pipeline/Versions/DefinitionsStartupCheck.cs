using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// Start-up of both hosts (after the stores exist, before anything processes): checks the configured definitions
/// against the registry's stored version of the same <c>version</c> and records them
/// (<see cref="DefinitionsRegistration"/>). An incompatible change throws <see cref="FeatureDefinitionsException"/>
/// naming the entry, and the host refuses to start.
/// </summary>
public sealed class DefinitionsStartupCheck(
    IDefinitionsRegistry registry,
    IUserStoreFactory stores,
    CompiledDefinitions configured,
    TimeProvider time,
    ILogger<DefinitionsStartupCheck> logger)
{
    public const int MaxConflicts = 10;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var state = await registry.ReadAsync(cancellationToken);
            var plan = DefinitionsRegistration.PlanStartup(state, configured.Source, stores.PrimaryContainer, time.GetUtcNow());
            if (plan.Refused)
            {
                throw new FeatureDefinitionsException($"{FeaturesOptions.Section}:DefinitionsPath (version {configured.Version})", plan.Errors);
            }
            if (plan.NothingToDo) return;
            var written = true;
            foreach (var version in plan.Writes)
            {
                written = written && await registry.TryWriteAsync(version, cancellationToken);
            }
            if (written && plan.Active is { } active)
            {
                written = await registry.TryWriteActiveAsync(active, cancellationToken);
            }
            if (written)
            {
                foreach (var version in plan.Writes)
                {
                    logger.LogInformation("Definitions registry: version {Version} recorded ({Status}, container {Container})", version.Version, version.Status, version.UsersContainer);
                }
                return;
            }
            if (attempt >= MaxConflicts)
            {
                throw new InvalidOperationException($"the definitions registry changed under the start-up check {attempt} times; start again");
            }
            // Another instance started at the same time: read again and plan again (every write is conditional).
        }
    }
}
