using System.Text;
using TreasureHunt.Core.Features;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>
/// Attributes declared only in a definitions file (Features__DefinitionsPath) through the local host: events carrying
/// them (and undeclared fields) are accepted and counted, a bad or missing required attribute is dead-lettered as
/// bad_attribute naming it, and the dead-letter route reports it.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class DeclaredAttributesEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Declared_attributes_are_accepted_and_bad_ones_dead_lettered_naming_them()
    {
        var definitions = FeatureDefinitionsReader.ReadDefault();
        definitions.Attributes =
        [
            new AttributeDefinition { Name = "brand", Type = "string", MaxLength = 8 },
            new AttributeDefinition { Name = "quantity", Type = "number", Required = true },
        ];
        var path = Path.Combine(Path.GetTempPath(), $"th-defs-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, FeatureDefinitionsReader.Serialize(definitions));
        try
        {
            await using var host = new HostProcess(fixture, output, "attributes", new Dictionary<string, string> { ["Features__DefinitionsPath"] = path });
            await host.StartAsync();

            var now = DateTimeOffset.UtcNow.AddSeconds(-30);
            string Event(string id, string extra) =>
                $$"""{"eventId":"{{id}}","userId":"u-attr","itemId":"item-3","type":"view","timestamp":"{{now:O}}"{{extra}}}""";
            var lines = new StringBuilder()
                .Append(Event("a-1", ",\"brand\":\"acme\",\"quantity\":2")).Append('\n')
                .Append(Event("a-2", ",\"quantity\":1,\"channel\":\"email\",\"brand\":null")).Append('\n')
                .Append(Event("a-3", ",\"brand\":\"much too long\",\"quantity\":1")).Append('\n')
                .Append(Event("a-4", ",\"brand\":\"acme\"")).Append('\n');
            Assert.Equal(4, await host.Client.PostNdjsonAsync(Encoding.UTF8.GetBytes(lines.ToString()), default));
            await host.WaitUntilSettledAsync(4, 2, TimeSpan.FromMinutes(2));

            var (status, profile) = await host.Client.GetAsync("/api/users/u-attr/profile", default);
            Assert.Equal(200, status);
            Assert.Equal(2, profile.GetProperty("totals").GetProperty("view").GetProperty("count").GetInt64());

            (status, var dead) = await host.Client.GetAsync("/api/deadletters", default);
            Assert.Equal(200, status);
            var letters = dead.GetProperty("items").EnumerateArray()
                .Select(d => (Reason: d.GetProperty("reason").GetString(), Detail: d.GetProperty("detail").GetString()!, Payload: d.GetProperty("payload").GetString()!))
                .OrderBy(d => d.Payload, StringComparer.Ordinal).ToList();
            Assert.Equal(2, letters.Count);
            Assert.Equal("bad_attribute", letters[0].Reason);
            Assert.Contains("'brand'", letters[0].Detail);
            Assert.Contains("a-3", letters[0].Payload);
            Assert.Equal(("bad_attribute", "required attribute(s) missing: quantity"), (letters[1].Reason, letters[1].Detail));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
