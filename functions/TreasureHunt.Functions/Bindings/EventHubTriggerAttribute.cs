using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

// Makes a deployment carry the Functions host's Event Hubs extension (the real worker package declares the same).
// On machines whose NuGet feed lacks it, build with -p:TrimEventHubsHostExtension=true (see the csproj and docs/functions.md).
[assembly: ExtensionInformation("Microsoft.Azure.WebJobs.Extensions.EventHubs", "6.5.3")]

namespace TreasureHunt.Functions.Bindings;

/// <summary>
/// The Event Hubs trigger, declared by hand because the worker extension package is not served here; it yields the
/// same <c>functions.metadata</c> as the official attribute. Delete it once the package is available:
/// docs/internals.md#event-hubs-trigger-attribute.
/// </summary>
[BindingCapabilities(KnownBindingCapabilities.FunctionLevelRetry)]
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class EventHubTriggerAttribute(string eventHubName) : TriggerBindingAttribute, ISupportCardinality
{
    /// <summary>Event hub to listen on; may be an app setting reference such as <c>%EventHubName%</c>.</summary>
    public string EventHubName { get; } = eventHubName;

    /// <summary>Consumer group; the host uses <c>$Default</c> when missing.</summary>
    public string? ConsumerGroup { get; set; }

    /// <summary>App setting (or setting prefix, for identity-based connections) of the Event Hubs connection.</summary>
    public string? Connection { get; set; }

    /// <summary>Deliver events in batches (default true): the function receives arrays.</summary>
    [DefaultValue(true)]
    public bool IsBatched { get; set; } = true;

    Cardinality ISupportCardinality.Cardinality
    {
        get => IsBatched ? Cardinality.Many : Cardinality.One;
        set => IsBatched = value == Cardinality.Many;
    }
}
