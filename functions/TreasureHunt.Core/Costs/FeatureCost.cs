namespace TreasureHunt.Core.Costs;

/// <summary>
/// What one feature's state cost in user document writes: how many writes carried it, the bytes it took in them and its
/// share of their estimated RU (a write's RU split by bytes, from <see cref="RequestUnitEstimator"/>).
/// </summary>
public readonly record struct FeatureCost(long Writes, long Bytes, double RequestUnits);
