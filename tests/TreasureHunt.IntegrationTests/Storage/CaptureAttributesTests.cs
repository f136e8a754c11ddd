using System.Text;
using Avro;
using Avro.Generic;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Storage.History;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>Back-fill from Event Hubs Capture: a record's body is the message as sent, so the version's parser sees its declared attributes (no emulator needed).</summary>
public sealed class CaptureAttributesTests
{
    private const string Schema =
        """{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[{"name":"SequenceNumber","type":"long"},{"name":"Offset","type":"string"},{"name":"EnqueuedTimeUtc","type":"string"},{"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}},{"name":"Properties","type":{"type":"map","values":["long","double","string","bytes","null"]}},{"name":"Body","type":["null","bytes"]}]}""";

    [Fact]
    public void A_capture_record_parses_with_its_attributes()
    {
        var record = new GenericRecord((RecordSchema)Avro.Schema.Parse(Schema));
        record.Add("SequenceNumber", 7L);
        record.Add("Offset", "3584");
        record.Add("EnqueuedTimeUtc", "2026-11-27T10:55:01.0000000Z");
        record.Add("SystemProperties", new Dictionary<string, object>());
        record.Add("Properties", new Dictionary<string, object>());
        record.Add("Body", Encoding.UTF8.GetBytes(
            "{\"eventId\":\"e-7\",\"userId\":\"u-1\",\"itemId\":\"t-1\",\"type\":\"view\",\"timestamp\":\"2026-11-27T10:55:00Z\",\"device\":\"ios\",\"gift\":true}"));
        var message = CaptureHistorySource.ToMessage(record, "th-ns/events/0/2026/11/27/10/55/00.avro");

        var d = FeatureDefinitionsReader.ReadDefault();
        d.Attributes = [new AttributeDefinition { Name = "device", Type = "string" }, new AttributeDefinition { Name = "gift", Type = "boolean" }];
        Assert.True(new EventParser(FeatureDefinitionsReader.Compile(d)).TryParse(message, "0", out var e, out var deadLetter), deadLetter?.Detail);
        Assert.Equal(("ios", true), (e!.Attributes.TextAt(0), e.Attributes.BooleanAt(1)));
    }
}
