using System.Globalization;
using System.Text.Json.Nodes;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// Capture files hold raw events that an erasure cannot rewrite, so a lifecycle rule on the storage account deletes
/// the capture container's blobs after <c>eventHubCaptureRetentionDays</c> (at most 30: the erasure deadline), and the
/// app's erasure tombstones outlive every Capture file a back-fill can replay. Asserted on the compiled template and on
/// the profiles' snapshots (production has Capture on, dev off).
/// </summary>
public sealed class CaptureLifecycleTests
{
    private const string PolicyType = "Microsoft.Storage/storageAccounts/managementPolicies";
    private const string CaptureContainer = "eventhubs-capture";

    [Fact]
    public void The_capture_retention_parameter_is_at_most_the_erasure_deadline()
    {
        var parameter = CompiledTemplate.Main.Root["parameters"]?["eventHubCaptureRetentionDays"];
        Assert.NotNull(parameter);
        Assert.Equal(30, parameter["maxValue"]?.GetValue<int>());
        Assert.InRange(parameter["defaultValue"]!.GetValue<int>(), 1, 30);
        var tombstoneDefault = CompiledTemplate.Main.Root["parameters"]?["erasureTombstoneDays"]?["defaultValue"]?.GetValue<int>();
        Assert.True(tombstoneDefault >= parameter["defaultValue"]!.GetValue<int>(), "the default tombstone outlives the default Capture retention");
    }

    [Fact]
    public void The_template_deletes_capture_blobs_by_age_only_when_capture_is_on()
    {
        var policy = Assert.Single(CompiledTemplate.Main.OfType(PolicyType));
        Assert.Equal("eventhubs", policy.Module);
        Assert.Contains("captureEnabled", policy.Node["condition"]?.GetValue<string>(), StringComparison.Ordinal);
        var rule = Assert.Single(Assert.IsType<JsonArray>(policy.Node["properties"]?["policy"]?["rules"]));
        Assert.Equal(true, rule?["enabled"]?.GetValue<bool>());
        Assert.Equal("[parameters('captureRetentionDays')]", rule?["definition"]?["actions"]?["baseBlob"]?["delete"]?["daysAfterCreationGreaterThan"]?.GetValue<string>());
    }

    [Fact]
    public void Production_deletes_the_capture_containers_files_after_the_retention_and_keeps_tombstones_as_long()
    {
        var snapshot = ProfileSnapshot.Production;
        var policy = snapshot.Single(PolicyType);
        Assert.EndsWith("/managementPolicies/default", policy.Id, StringComparison.OrdinalIgnoreCase);
        var rule = Assert.Single(Assert.IsType<JsonArray>(policy.Properties?["policy"]?["rules"]));
        var filters = rule?["definition"]?["filters"];
        Assert.Equal(["blockBlob"], Assert.IsType<JsonArray>(filters?["blobTypes"]).Select(t => t!.GetValue<string>()));
        Assert.Equal([CaptureContainer + "/"], Assert.IsType<JsonArray>(filters?["prefixMatch"]).Select(t => t!.GetValue<string>()));
        var days = rule?["definition"]?["actions"]?["baseBlob"]?["delete"]?["daysAfterCreationGreaterThan"]?.GetValue<int>();
        Assert.InRange(days ?? 0, 1, 30);

        // The capture container the hub writes to is the one the rule empties.
        var hub = snapshot.Single("Microsoft.EventHub/namespaces/eventhubs");
        Assert.Equal(CaptureContainer, hub.Properties?["captureDescription"]?["destination"]?["properties"]?["blobContainer"]?.GetValue<string>());

        var settings = Assert.IsType<JsonArray>(snapshot.Single("Microsoft.Web/sites").Properties?["siteConfig"]?["appSettings"]);
        var tombstoneDays = settings.OfType<JsonObject>().Single(s => s["name"]?.GetValue<string>() == "Retention__ErasureTombstoneDays")["value"]!.GetValue<string>();
        Assert.True(int.Parse(tombstoneDays, CultureInfo.InvariantCulture) >= days, $"tombstones ({tombstoneDays} d) outlive Capture files ({days} d)");
    }

    [Fact]
    public void Dev_without_capture_has_no_lifecycle_rule()
    {
        Assert.Empty(ProfileSnapshot.Dev.OfType(PolicyType));
    }
}
