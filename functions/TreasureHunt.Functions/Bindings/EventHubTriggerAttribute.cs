using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

// Makes a deployment carry the Functions host's Event Hubs extension (the real worker package declares the same).
// On machines whose NuGet feed lacks it, build with -p:TrimEventHubsHostExtension=true (see the csproj and docs/functions.md).
[assembly: ExtensionInformation("Microsoft.Azure.WebJobs.Extensions.EventHubs", "6.5.3")]

namespace TreasureHunt.Functions.Bindings;

/// <summary>
/// The Event Hubs trigger, declared here by hand.
/// <para>
/// Why hand-written: the worker package <c>Microsoft.Azure.Functions.Worker.Extensions.EventHubs</c> (and the host-side
/// <c>Microsoft.Azure.WebJobs.Extensions.EventHubs</c>) are not served by the package registry the development and CI
/// machines reach. The worker SDK derives the binding type from the attribute's class name (<c>EventHubTriggerAttribute</c>
/// becomes <c>"type": "eventHubTrigger"</c>) and reads the attribute's properties into <c>functions.metadata</c>, so this
/// class produces exactly the metadata the official attribute does (<c>"cardinality": "Many"</c> when batched), and the
/// host's Event Hubs extension serves it at run time. Bind <c>string[]</c> (or <c>byte[][]</c>) plus the binding-data arrays
/// <c>sequenceNumberArray</c>, <c>enqueuedTimeUtcArray</c>, <c>offsetArray</c>, <c>partitionKeyArray</c>,
/// <c>propertiesArray</c>, <c>systemPropertiesArray</c> and <c>partitionContext</c>.
/// </para>
/// <para>When the official package becomes available, delete this file and reference it instead: no function changes.</para>
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
