using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Local.Tests;

/// <summary>Back-fill from the local event log: the stored bytes come back as they were sent, so the version's parser sees the attributes.</summary>
public sealed class AttributeHistoryTests
{
    [Fact]
    public async Task Attributes_flow_from_the_local_event_log_into_the_parsed_events()
    {
        var folder = Path.Combine(Path.GetTempPath(), "th-attr-log-" + Guid.NewGuid().ToString("N"));
        try
        {
            var body = "{\"eventId\":\"e-1\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"brand\":\"acme \\u00e9\",\"quantity\":4}"u8.ToArray();
            using (var log = new EventLog.LocalEventLog(folder, partitionCount: 1))
            {
                await log.AppendAsync([body], new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), CancellationToken.None);
            }
            var messages = await new EventLog.LocalEventLogHistorySource(folder).ReadAsync("0", -1, 10, CancellationToken.None);

            var d = FeatureDefinitionsReader.ReadDefault();
            d.Attributes = [new AttributeDefinition { Name = "brand", Type = "string" }, new AttributeDefinition { Name = "quantity", Type = "number" }];
            var parser = new EventParser(FeatureDefinitionsReader.Compile(d));
            Assert.True(parser.TryParse(Assert.Single(messages), "0", out var e, out var deadLetter), deadLetter?.Detail);
            Assert.Equal(("acme é", 4.0), (e!.Attributes.TextAt(0), e.Attributes.NumberAt(1)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
