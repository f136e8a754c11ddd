using System.Reflection;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// The Functions host-worker protocol (<c>FunctionRpc.proto</c>, service <c>AzureFunctionsRpcMessages.FunctionRpc</c>),
/// taken from the descriptor that the worker's own gRPC package (<c>Microsoft.Azure.Functions.Worker.Grpc</c>, pinned in
/// Directory.Packages.props) compiles in, so the harness speaks exactly the protocol version the worker is built with
/// and no copy of the .proto is committed. The package's message classes are internal, so messages are built and read
/// through the protocol's proto3 JSON mapping, which Google.Protobuf parses into those same generated types.
/// </summary>
internal static class FunctionRpcProtocol
{
    public const string ServiceName = "AzureFunctionsRpcMessages.FunctionRpc";

    /// <summary>The generated descriptor holder in the worker's gRPC package (namespace set by the .proto's csharp_namespace).</summary>
    private const string ReflectionTypeName = "Microsoft.Azure.Functions.Worker.Grpc.Messages.FunctionRpcReflection, Microsoft.Azure.Functions.Worker.Grpc";

    private static readonly Lazy<FileDescriptor> File = new(LoadDescriptor);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    /// <summary>The <c>StreamingMessage</c> envelope every message of the stream is wrapped in.</summary>
    public static MessageDescriptor StreamingMessage =>
        File.Value.FindTypeByName<MessageDescriptor>("StreamingMessage")
        ?? throw new InvalidOperationException("FunctionRpc.proto has no StreamingMessage: the worker gRPC package is not the protocol this harness targets.");

    /// <summary>The assembly the protocol comes from and its version: what the harness targets (a worker built with another version may differ).</summary>
    public static AssemblyName ProtocolAssembly => Type.GetType(ReflectionTypeName, throwOnError: true)!.Assembly.GetName();

    private static readonly Marshaller<IMessage> MessageMarshaller =
        Marshallers.Create(m => m.ToByteArray(), bytes => StreamingMessage.Parser.ParseFrom(bytes));

    /// <summary><c>rpc EventStream(stream StreamingMessage) returns (stream StreamingMessage)</c>: the one call a worker makes.</summary>
    public static Method<IMessage, IMessage> EventStream { get; } =
        new(MethodType.DuplexStreaming, ServiceName, "EventStream", MessageMarshaller, MessageMarshaller);

    /// <summary>A <c>StreamingMessage</c> from its proto3 JSON form (field names in lowerCamelCase).</summary>
    public static IMessage ToMessage(JsonObject json) => Parser.Parse(json.ToJsonString(), StreamingMessage);

    /// <summary>The proto3 JSON form of a received message (default values omitted).</summary>
    public static JsonObject ToJson(IMessage message) =>
        JsonNode.Parse(Formatter.Format(message)) as JsonObject ?? throw new InvalidOperationException("A protocol message did not format as a JSON object.");

    private static FileDescriptor LoadDescriptor()
    {
        var holder = Type.GetType(ReflectionTypeName, throwOnError: true)!;
        var property = holder.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{holder.FullName} has no Descriptor: the worker gRPC package changed its generated code.");
        return (FileDescriptor)property.GetValue(null)!;
    }
}
