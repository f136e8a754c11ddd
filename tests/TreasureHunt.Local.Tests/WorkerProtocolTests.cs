using System.Text;
using Google.Protobuf;
using System.Text.Json;
using System.Text.Json.Nodes;
using TreasureHunt.Core.Events;
using TreasureHunt.Local.Worker;

namespace TreasureHunt.Local.Tests;

/// <summary>
/// The worker harness's model of the host, without a worker: the shapes it sends, each checked against the source it
/// follows and parsed into the protocol's own message types (so a field the protocol lacks fails here).
/// </summary>
public sealed class WorkerProtocolTests
{
    private static readonly DateTimeOffset Enqueued = new(2026, 12, 7, 13, 5, 0, 120, TimeSpan.Zero);

    private static PartitionBatch Batch() => new("3",
    [
        new RawMessage(Encoding.UTF8.GetBytes("""{"eventId":"e-1"}"""), 41, Enqueued),
        new RawMessage(Encoding.UTF8.GetBytes("not json"), 42, Enqueued.AddSeconds(1)),
    ]);

    private static readonly EventHubTriggerBinding.Source Hub = new("ns.servicebus.windows.net", "events", "aggregator");

    // EventHubTriggerBindingStrategy.AddBindingData(EventData[]) names; GrpcMessageConversionExtensions.ToRpc shapes.
    [Fact]
    public void A_batch_binds_as_the_event_hubs_extension_and_the_host_convert_it()
    {
        var (input, metadata) = EventHubTriggerBinding.Bind("Aggregate", Batch(), Hub, Enqueued);

        // string[] -> collection_string (TypedDataCollection), bodies verbatim, invalid JSON included.
        Assert.Equal(["""{"eventId":"e-1"}""", "not json"], input["collectionString"]!["string"]!.AsArray().Select(s => (string)s!));
        // long[] -> collection_sint64.
        Assert.Equal(["41", "42"], metadata["SequenceNumberArray"]!["collectionSint64"]!["sint64"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(["41", "42"], metadata["OffsetArray"]!["collectionString"]!["string"]!.AsArray().Select(s => (string)s!));
        // DateTime[] -> JSON by Newtonsoft.Json: EnqueuedTime.DateTime has Kind Unspecified, so no zone suffix.
        Assert.Equal("""["2026-12-07T13:05:00.12","2026-12-07T13:05:01.12"]""", (string?)metadata["EnqueuedTimeUtcArray"]!["json"]);
        // PartitionContext -> JSON of Azure.Messaging.EventHubs.Consumer.PartitionContext's properties.
        var context = JsonNode.Parse((string)metadata["PartitionContext"]!["json"]!)!;
        Assert.Equal("3", (string?)context["PartitionId"]);
        Assert.Equal("events", (string?)context["EventHubName"]);
        Assert.Equal("aggregator", (string?)context["ConsumerGroup"]);
        // GetSystemPropertiesForBinding adds SequenceNumber, Offset, PartitionKey and EnqueuedTimeUtc to each event's.
        var system = JsonNode.Parse((string)metadata["SystemPropertiesArray"]!["json"]!)!.AsArray();
        Assert.Equal(42, (long)system[1]!["SequenceNumber"]!);
        Assert.Equal("2026-12-07T13:05:01.12", (string?)system[1]!["EnqueuedTimeUtc"]);
        Assert.Equal("[{},{}]", (string?)metadata["PropertiesArray"]!["json"]);
    }

    [Fact]
    public void The_bound_batch_is_a_valid_invocation_request_of_the_protocol()
    {
        var (input, metadata) = EventHubTriggerBinding.Bind("Aggregate", Batch(), Hub, Enqueued);
        var message = FunctionRpcProtocol.ToMessage(new JsonObject
        {
            ["requestId"] = "r",
            ["invocationRequest"] = new JsonObject
            {
                ["invocationId"] = "i",
                ["functionId"] = "f",
                ["inputData"] = new JsonArray { new JsonObject { ["name"] = "events", ["data"] = input } },
                ["triggerMetadata"] = metadata,
                ["retryContext"] = new JsonObject { ["retryCount"] = 1, ["maxRetryCount"] = -1 },
            },
        });
        var roundTrip = FunctionRpcProtocol.ToJson(FunctionRpcProtocol.StreamingMessage.Parser.ParseFrom(message.ToByteArray()));
        Assert.Equal("42", (string?)roundTrip["invocationRequest"]!["triggerMetadata"]!["SequenceNumberArray"]!["collectionSint64"]!["sint64"]![1]);
        Assert.Equal(-1, (int)roundTrip["invocationRequest"]!["retryContext"]!["maxRetryCount"]!);
    }

    [Fact]
    public void A_field_the_protocol_lacks_is_refused() =>
        Assert.ThrowsAny<Exception>(() => FunctionRpcProtocol.ToMessage(new JsonObject { ["invocationRequest"] = new JsonObject { ["noSuchField"] = 1 } }));

    // azure-functions-host RpcWorkerContext.GetFormattedArguments; azure-functions-dotnet-worker RegisterCommandLine switch mappings.
    [Fact]
    public void The_worker_gets_the_host_command_line()
    {
        var arguments = FunctionsWorkerHarness.HostArguments(new Uri("http://127.0.0.1:5123/"), "w", "r");
        Assert.Equal(
            ["--host", "127.0.0.1", "--port", "5123", "--workerId", "w", "--requestId", "r", "--grpcMaxMessageLength", "2147483647",
             "--functions-uri", "http://127.0.0.1:5123/", "--functions-worker-id", "w", "--functions-request-id", "r", "--functions-grpc-max-message-length", "2147483647"],
            arguments);
    }

    [Fact]
    public void The_retry_policy_comes_from_the_metadata_and_doubles_up_to_the_maximum()
    {
        // proto3 JSON omits the default enum value (exponential_backoff = 0).
        var policy = WorkerRetryPolicy.FromMetadata(new JsonObject { ["retryOptions"] = new JsonObject { ["maxRetryCount"] = -1, ["minimumInterval"] = "1s", ["maximumInterval"] = "60s" } });
        Assert.True(policy.RetriesAfter(1_000_000));
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(1, 8).Select(n => (int)policy.DelayBefore(n).TotalSeconds));
        var fixedDelay = WorkerRetryPolicy.FromMetadata(new JsonObject { ["retryOptions"] = new JsonObject { ["maxRetryCount"] = 2, ["delayInterval"] = "0.500s", ["retryStrategy"] = "fixed_delay" } });
        Assert.Equal(TimeSpan.FromMilliseconds(500), fixedDelay.DelayBefore(2));
        Assert.True(fixedDelay.RetriesAfter(1));
        Assert.False(fixedDelay.RetriesAfter(2));
        Assert.Equal(WorkerRetryPolicy.None, WorkerRetryPolicy.FromMetadata(new JsonObject()));
    }

    // azure-functions-durable-extension DurableTaskClientConverter (DurableClientInputData) and DurableTaskOptions.MaxGrpcMessageSizeInBytes.
    [Fact]
    public void The_durable_client_binding_carries_what_the_worker_converter_reads()
    {
        var json = JsonNode.Parse(new DurableClientBinding(new Uri("http://127.0.0.1:5123/"), "hub", "AzureWebJobsStorage", new Uri("http://127.0.0.1:5123/runtime/webhooks/durabletask/")).ToJson())!;
        Assert.Equal("http://127.0.0.1:5123/", (string?)json["rpcBaseUrl"]);
        Assert.Equal("hub", (string?)json["taskHubName"]);
        Assert.Equal("AzureWebJobsStorage", (string?)json["connectionName"]);
        // Without it the worker's client refuses every non-empty answer of the sidecar as too large.
        Assert.Equal(4_194_304, (int)json["maxGrpcMessageSizeInBytes"]!);
        // A TimeSpan serialized to JSON, inside the JSON: the converter runs JsonSerializer.Deserialize<TimeSpan> on it.
        Assert.Equal(TimeSpan.FromSeconds(100), JsonSerializer.Deserialize<TimeSpan>((string)json["grpcHttpClientTimeout"]!));
    }

    // azure-functions-durable-extension DurableTaskFunctionsMiddleware.RunEntityAsync: EntityBatchRequest in, EntityBatchResult out.
    [Fact]
    public void An_entity_batch_converts_to_the_sidecar_protocol_and_its_result_back()
    {
        var id = Guid.NewGuid();
        var request = WorkerEntity.ToProtobuf(new DurableTask.Core.Entities.OperationFormat.EntityBatchRequest
        {
            InstanceId = "@itemshard@16-3",
            EntityState = """{"a":1}""",
            Operations = [new DurableTask.Core.Entities.OperationFormat.OperationRequest { Operation = "apply", Id = id, Input = "{}" }],
        });
        Assert.Equal("@itemshard@16-3", request.InstanceId);
        Assert.Equal("""{"a":1}""", request.EntityState);
        Assert.Equal(id.ToString(), request.Operations.Single().RequestId);
        Assert.Equal("apply", request.Operations.Single().Operation);

        var result = new Microsoft.DurableTask.Protobuf.EntityBatchResult { EntityState = """{"a":2}""" };
        result.Results.Add(new Microsoft.DurableTask.Protobuf.OperationResult { Success = new Microsoft.DurableTask.Protobuf.OperationResultSuccess { Result = "null" } });
        result.Results.Add(new Microsoft.DurableTask.Protobuf.OperationResult { Failure = new Microsoft.DurableTask.Protobuf.OperationResultFailure { FailureDetails = new Microsoft.DurableTask.Protobuf.TaskFailureDetails { ErrorType = "E", ErrorMessage = "m" } } });
        var converted = WorkerEntity.FromProtobuf(Microsoft.DurableTask.Protobuf.EntityBatchResult.Parser.ParseFrom(result.ToByteArray()));
        Assert.Equal("""{"a":2}""", converted.EntityState);
        Assert.Equal("null", converted.Results![0].Result);
        Assert.Equal("E", converted.Results[1].FailureDetails!.ErrorType);
        Assert.Empty(converted.Actions!);
    }

    [Fact]
    public void App_settings_are_the_sample_values_with_the_overrides()
    {
        var path = Path.Combine(Path.GetTempPath(), $"th-settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"IsEncrypted":false,"Values":{"A":"1","B":"2","C":true}}""");
        try
        {
            var settings = WorkerAppSettings.FromSample(path, new Dictionary<string, string> { ["B"] = "x" });
            Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "x", ["C"] = "true" }, settings);
            File.WriteAllText(path, """{"NoValues":{}}""");
            Assert.Throws<InvalidDataException>(() => WorkerAppSettings.FromSample(path, new Dictionary<string, string>()));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
