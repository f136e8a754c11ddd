using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Local.Tests;

/// <summary>
/// The emulator port variables emulators.sh starts the emulators on (TH_AZURITE_*_PORT, TH_COSMOS_PORT) also move the
/// sample's development-storage connection strings and Cosmos endpoint (LocalConfiguration.EmulatorPorts), so ./th up's
/// host talks to the emulators ./th up started.
/// </summary>
public sealed class EmulatorPortsTests
{
    private static Dictionary<string, string?> Sample() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Tables:ConnectionString"] = "UseDevelopmentStorage=true",
        ["Cosmos:Endpoint"] = "https://127.0.0.1:8081/",
    };

    [Fact]
    public void The_port_variables_move_the_storage_connection_strings_and_the_cosmos_endpoint()
    {
        var values = Sample();
        var environment = new Dictionary<string, string> { ["TH_AZURITE_BLOB_PORT"] = "15000", ["TH_AZURITE_QUEUE_PORT"] = "15001", ["TH_AZURITE_TABLE_PORT"] = "15002", ["TH_COSMOS_PORT"] = "15081" };

        LocalConfiguration.EmulatorPorts(values, environment.GetValueOrDefault);

        foreach (var key in new[] { "AzureWebJobsStorage", "Tables:ConnectionString" })
        {
            Assert.Contains("BlobEndpoint=http://127.0.0.1:15000/devstoreaccount1;", values[key]);
            Assert.Contains("QueueEndpoint=http://127.0.0.1:15001/devstoreaccount1;", values[key]);
            Assert.Contains("TableEndpoint=http://127.0.0.1:15002/devstoreaccount1;", values[key]);
        }
        Assert.Equal("https://127.0.0.1:15081/", values["Cosmos:Endpoint"]);
    }

    [Fact]
    public void Without_the_variables_the_sample_stays()
    {
        var values = Sample();

        LocalConfiguration.EmulatorPorts(values, _ => null);

        Assert.Equal(Sample(), values);
    }

    [Fact]
    public void A_storage_connection_string_that_is_not_development_storage_is_kept()
    {
        var values = Sample();
        values["Tables:ConnectionString"] = "DefaultEndpointsProtocol=https;AccountName=real;";

        LocalConfiguration.EmulatorPorts(values, name => name == "TH_AZURITE_TABLE_PORT" ? "15002" : null);

        Assert.Equal("DefaultEndpointsProtocol=https;AccountName=real;", values["Tables:ConnectionString"]);
        Assert.Contains("TableEndpoint=http://127.0.0.1:15002/", values["AzureWebJobsStorage"]);
    }
}
