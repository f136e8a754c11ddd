using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Testing.Reference;

namespace TreasureHunt.Core.Tests;

/// <summary>Runs the schema-1 reference (<see cref="UserAggregate"/>) for the tests that compare the product with it.</summary>
internal static class ReferenceData
{
    /// <summary>Applies one batch to the reference and returns its outcomes.</summary>
    public static EventOutcome[] Apply(UserAggregate aggregate, IReadOnlyList<SequencedEvent> events, AggregationRules? rules = null, string partition = TestData.Partition)
    {
        var outcomes = new EventOutcome[events.Count];
        aggregate.Apply(events, partition, rules ?? AggregationRules.Default, outcomes);
        return outcomes;
    }

    /// <summary>The reference as stored and read back.</summary>
    public static UserAggregate Clone(UserAggregate aggregate) =>
        JsonSerializer.Deserialize<UserAggregate>(JsonSerializer.Serialize(aggregate))!;
}
