namespace TreasureHunt.Core.Ports;

/// <summary>
/// How a health check registration takes part in readiness: a <see cref="Store"/> shows under <c>checks</c> as a
/// boolean, a <see cref="Detail"/> under <c>details</c> with the value its result carries in
/// <c>Data[</c><see cref="ValueKey"/><c>]</c>; any of them not healthy makes the answer 503.
/// </summary>
public static class ReadinessTags
{
    public const string Store = "store";
    public const string Detail = "detail";
    public const string ValueKey = "value";

    /// <summary>How long one check may take before it counts as failing.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
}
