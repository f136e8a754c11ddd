using Microsoft.Extensions.Configuration;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>The consumer group the hosts read the event hub as; the key of the partition progress documents.</summary>
public sealed record ConsumerGroupName(string Value)
{
    /// <summary>The app setting that names it (the Event Hubs trigger reads it as <c>%EventHubConsumerGroup%</c>).</summary>
    public const string Setting = "EventHubConsumerGroup";

    /// <summary>The default of every host and tool, the Bicep parameter's and the sample settings' value.</summary>
    public const string Default = "aggregator";

    public static ConsumerGroupName From(IConfiguration configuration) =>
        new(configuration[Setting] is { Length: > 0 } group ? group : Default);
}
