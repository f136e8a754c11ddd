namespace TreasureHunt.Pipeline.Processing;

/// <summary>The consumer group the host reads the event hub as (setting EventHubConsumerGroup); each host registers its own.</summary>
public sealed record ConsumerGroupName(string Value);
