using System.Text.Json.Nodes;

namespace TreasureHunt.Infra.Tests;

/// <summary>One resource a snapshot predicts: its full resource id, type, name and evaluated body.</summary>
public sealed record PredictedResource(string Id, string Type, string Name, JsonObject Node)
{
    public JsonNode? Properties => Node["properties"];
}

/// <summary>
/// A parameter file (bicep/main.dev.bicepparam or main.prod.bicepparam) deployed on paper with `bicep snapshot`: the
/// CLI evaluates main.bicep with those parameters, offline, for a fixed subscription, resource group and region, and
/// lists every resource the deployment would create with its conditions decided and its expressions evaluated where
/// they do not need Azure (reference() and environment() stay as expressions). So each profile's security properties
/// are asserted on the template it really builds, not on an `if(...)` of both. One snapshot per file per test run.
/// </summary>
public sealed class ProfileSnapshot
{
    public const string SubscriptionId = "00000000-0000-0000-0000-000000000001";
    public const string ResourceGroup = "rg-th";
    public const string Location = "westeurope";

    /// <summary>What main.prod.bicepparam reads from TH_ALERT_ACTION_GROUP_ID when the snapshot is built.</summary>
    public const string AlertActionGroupId =
        "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-ops/providers/Microsoft.Insights/actionGroups/ag-oncall";

    /// <summary>What both parameter files read from TH_ENTRA_CLIENT_ID when the snapshot is built (the API's app registration).</summary>
    public const string EntraClientId = "11111111-2222-3333-4444-555555555555";

    private static readonly Lazy<ProfileSnapshot> DevInstance = new(() => Build("main.dev.bicepparam"));
    private static readonly Lazy<ProfileSnapshot> ProductionInstance = new(() => Build("main.prod.bicepparam"));

    private ProfileSnapshot(BicepResult result, JsonObject root)
    {
        Result = result;
        Root = root;
        Resources = (root["predictedResources"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(node => new PredictedResource(
                node["id"]?.GetValue<string>() ?? string.Empty,
                node["type"]?.GetValue<string>() ?? string.Empty,
                node["name"]?.GetValue<string>() ?? string.Empty,
                node))
            .ToList();
    }

    public static ProfileSnapshot Dev => DevInstance.Value;

    public static ProfileSnapshot Production => ProductionInstance.Value;

    public static ProfileSnapshot For(string parameterFile) =>
        parameterFile == "main.dev.bicepparam" ? Dev : parameterFile == "main.prod.bicepparam" ? Production
            : throw new ArgumentOutOfRangeException(nameof(parameterFile), parameterFile, "not a profile's parameter file");

    public BicepResult Result { get; }

    public JsonObject Root { get; }

    public IReadOnlyList<PredictedResource> Resources { get; }

    public IEnumerable<PredictedResource> OfType(string type) =>
        Resources.Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase));

    public PredictedResource Single(string type) => Assert.Single(OfType(type));

    /// <summary>The snapshot writes NAME.snapshot.json beside the parameter file: the file is copied (its `using`
    /// path adjusted) into a fresh directory under bicep/, so bicepconfig.json applies, and the directory is deleted.</summary>
    private static ProfileSnapshot Build(string parameterFile)
    {
        var directory = Directory.CreateDirectory(Path.Combine(BicepCli.BicepDirectory, $".profile-snapshot-{Guid.NewGuid():N}"));
        try
        {
            var content = File.ReadAllText(Path.Combine(BicepCli.BicepDirectory, parameterFile));
            Assert.Contains("using 'main.bicep'", content, StringComparison.Ordinal);
            var copy = Path.Combine(directory.FullName, parameterFile);
            File.WriteAllText(copy, content.Replace("using 'main.bicep'", "using '../main.bicep'", StringComparison.Ordinal));

            var result = BicepCli.Run(
                new Dictionary<string, string> { ["TH_ALERT_ACTION_GROUP_ID"] = AlertActionGroupId, ["TH_ENTRA_CLIENT_ID"] = EntraClientId },
                "snapshot", copy, "--mode", "overwrite",
                "--subscription-id", SubscriptionId, "--resource-group", ResourceGroup, "--location", Location);
            var snapshotPath = Path.ChangeExtension(copy, ".snapshot.json");
            if (result.ExitCode != 0 || !File.Exists(snapshotPath))
            {
                throw new InvalidOperationException($"bicep snapshot {parameterFile} failed: {result}");
            }

            var root = JsonNode.Parse(File.ReadAllText(snapshotPath))?.AsObject()
                ?? throw new InvalidOperationException($"bicep snapshot {parameterFile} produced an empty snapshot");
            return new ProfileSnapshot(result, root);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
