using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Features;

/// <summary>Where a definitions version is in its life (<see cref="RegisteredDefinitions.Status"/>).</summary>
public static class DefinitionsStatus
{
    /// <summary>Being back-filled from the history into its shadow container; not promotable yet.</summary>
    public const string Backfilling = "backfilling";

    /// <summary>Caught up with the live stream and kept current by it; readable, promotable.</summary>
    public const string Live = "live";

    /// <summary>No longer computed nor readable.</summary>
    public const string Retired = "retired";
}

/// <summary>
/// One accepted feature-definitions version in the registry (a small document per version, Cosmos <c>progress</c>
/// container, partition <c>definitions</c>, id <c>definitions-v{version}</c>): the definitions document it was
/// accepted with (its JSON, so every host can compute it without the file), the user container its documents live
/// in and its status. Size: the definitions document (a few KB) plus ~200 bytes.
/// </summary>
public sealed class RegisteredDefinitions
{
    public const string RegistryPartition = "definitions";

    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("partitionId")] public string PartitionId { get; set; } = RegistryPartition;
    [JsonPropertyName("version")] public int Version { get; set; }

    /// <summary>The definitions document (JSON, the definitions format) as accepted.</summary>
    [JsonPropertyName("definitions")] public string Definitions { get; set; } = "";

    /// <summary>The Cosmos container holding this version's user documents.</summary>
    [JsonPropertyName("usersContainer")] public string UsersContainer { get; set; } = "";

    /// <summary>The Cosmos container of a back-filled version's keyed groups and declared leaderboards (<c>items-v{N}</c>),
    /// recorded when a back-fill registers a version that declares groups; it keeps them there for good, also once the
    /// hosts run it as their configured version. Null for a version whose keys the rollup writes into <c>items</c>.</summary>
    [JsonPropertyName("keyedContainer")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? KeyedContainer { get; set; }

    [JsonPropertyName("status")] public string Status { get; set; } = DefinitionsStatus.Live;
    [JsonPropertyName("registeredAt")] public DateTimeOffset RegisteredAt { get; set; }
    [JsonPropertyName("caughtUpAt")] public DateTimeOffset? CaughtUpAt { get; set; }
    [JsonPropertyName("retiredAt")] public DateTimeOffset? RetiredAt { get; set; }

    [JsonIgnore] public string? ETag { get; set; }

    [JsonIgnore] public bool IsRetired => Status == DefinitionsStatus.Retired;

    public static string IdOf(int version) => $"definitions-v{version}";

    public FeatureDefinitions Parse() => FeatureDefinitionsReader.Parse(Definitions, $"stored definitions version {Version}");

    public static RegisteredDefinitions Create(FeatureDefinitions definitions, string usersContainer, string status, DateTimeOffset now) => new()
    {
        Id = IdOf(definitions.Version),
        Version = definitions.Version,
        Definitions = FeatureDefinitionsReader.Serialize(definitions),
        UsersContainer = usersContainer,
        Status = status,
        RegisteredAt = now,
        CaughtUpAt = status == DefinitionsStatus.Live ? now : null,
    };
}

/// <summary>
/// Which registered version the query API serves (id <c>definitions-active</c> in the registry partition). Promotion
/// is one conditional write of this document, so a reader resolves either the old or the new version, never a mix.
/// </summary>
public sealed class ActiveDefinitions
{
    public const string DocumentId = "definitions-active";

    [JsonPropertyName("id")] public string Id { get; set; } = DocumentId;
    [JsonPropertyName("partitionId")] public string PartitionId { get; set; } = RegisteredDefinitions.RegistryPartition;
    [JsonPropertyName("active")] public int Active { get; set; }
    [JsonPropertyName("previous")] public int? Previous { get; set; }
    [JsonPropertyName("changedAt")] public DateTimeOffset ChangedAt { get; set; }

    [JsonIgnore] public string? ETag { get; set; }
}

/// <summary>What the registry holds: every version (retired ones included) and the active pointer (null before the first start).</summary>
public sealed record DefinitionsRegistryState(IReadOnlyList<RegisteredDefinitions> Versions, ActiveDefinitions? Active)
{
    public RegisteredDefinitions? Find(int version) => Versions.FirstOrDefault(v => v.Version == version);
}
