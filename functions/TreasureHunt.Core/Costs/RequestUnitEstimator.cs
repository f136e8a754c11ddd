namespace TreasureHunt.Core.Costs;

/// <summary>
/// Estimates Cosmos DB request units from document sizes, for emulators that report a flat charge.
/// Points are Cosmos DB's documented figures: point read of ≤1 KB = 1 RU (100 KB ≈ 10 RU); write of 1 KB ≈ 5 RU,
/// 2 KB ≈ 6.3, 4 KB ≈ 6.7, 8 KB ≈ 7.0 (linear between points; beyond 8 KB the 4–8 KB slope is extended — an
/// extrapolation). Patches are billed like writes of the resulting document. A query page is estimated as a read
/// of the bytes returned plus 1 RU. Every figure produced here is labelled "estimated" where it is shown.
/// </summary>
public static class RequestUnitEstimator
{
    private static readonly (double Kb, double Ru)[] WritePoints = [(0, 5.0), (1, 5.0), (2, 6.3), (4, 6.7), (8, 7.0)];

    public static double Read(long bytes)
    {
        var kb = bytes / 1024.0;
        return kb <= 1 ? 1.0 : 1.0 + (kb - 1) * 9.0 / 99.0;
    }

    public static double Write(long bytes)
    {
        var kb = bytes / 1024.0;
        for (var i = 1; i < WritePoints.Length; i++)
        {
            if (kb <= WritePoints[i].Kb)
            {
                var (k0, r0) = WritePoints[i - 1];
                var (k1, r1) = WritePoints[i];
                return r0 + (r1 - r0) * (kb - k0) / (k1 - k0);
            }
        }
        return 7.0 + (kb - 8) * (0.3 / 4.0);
    }

    public static double Query(long bytesReturned) => 1.0 + Read(bytesReturned);
}
