namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>The optional members of a feature definition an aggregation may take (<see cref="IAggregator.Accepts"/>).</summary>
[Flags]
public enum FeatureOptions
{
    None = 0,
    Of = 1,
    By = 2,
    K = 4,
    HalfLife = 8,
    TopN = 16,

    /// <summary>Tumbling windows (minute:N, hour:N, day:N) beside lifetime: the state keeps tiles.</summary>
    Windows = 32,
}
