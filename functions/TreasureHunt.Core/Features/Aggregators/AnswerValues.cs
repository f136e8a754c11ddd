namespace TreasureHunt.Core.Features.Aggregators;

// The answer shapes of the aggregations whose answer is not a number (the features route's JSON, camelCase).

/// <summary>first, last: the value and its event time.</summary>
internal sealed record FeatureTimedValue(double Value, DateTime Time);

/// <summary>decayedSum: one key and its score.</summary>
internal sealed record FeatureKeyScore(string Key, double Score);

/// <summary>lastDistinct: one value and its latest event time.</summary>
internal sealed record FeatureRecentValue(string Value, DateTime Time);
