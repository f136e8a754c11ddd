using Microsoft.Extensions.Configuration;

namespace TreasureHunt.Functions;

/// <summary>Top-level app settings read by the function classes (the rest are bound to option classes; see docs/functions.md).</summary>
public static class AppSettings
{
    public const string EventHubConsumerGroup = "EventHubConsumerGroup";

    /// <summary>The consumer group the Aggregate trigger reads; the key of the partition progress documents.</summary>
    public static string ConsumerGroup(IConfiguration configuration) =>
        configuration[EventHubConsumerGroup] is { Length: > 0 } group ? group : "$Default";
}
