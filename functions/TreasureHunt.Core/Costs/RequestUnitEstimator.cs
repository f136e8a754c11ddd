namespace TreasureHunt.Core.Costs;

/// <summary>
/// Estimates Cosmos DB request units from document sizes (Microsoft's published RU-by-size table, linear between its
/// points), for emulators that report a flat charge; every figure it produces is labelled estimated.
/// Table and sources: docs/internals.md#request-unit-estimates.
/// </summary>
public static class RequestUnitEstimator
{
    private static readonly double[] Kb = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];
    private static readonly double[] ReadRu = [1.00, 1.04, 1.14, 1.33, 1.67, 2.19, 4.76, 9.95, 20.28, 40.95, 145.90, 291.80];
    private static readonly double[] WriteRu = [4.95, 6.29, 6.67, 7.04, 9.52, 11.23, 22.67, 48.19, 98.29, 184.57, 625.00, 1250.00];

    /// <summary>A point read of a document of <paramref name="bytes"/>.</summary>
    public static double Read(long bytes) => Interpolate(ReadRu, bytes);

    /// <summary>A create, replace, upsert or patch leaving a document of <paramref name="bytes"/>.</summary>
    public static double Write(long bytes) => Interpolate(WriteRu, bytes);

    public static double Query(long bytesReturned) => 1.0 + Read(bytesReturned);

    private static double Interpolate(double[] ru, long bytes)
    {
        var kb = bytes / 1024.0;
        if (kb <= Kb[0])
        {
            return ru[0];
        }
        var i = 1;
        while (i < Kb.Length - 1 && kb > Kb[i]) i++;
        return ru[i - 1] + (ru[i] - ru[i - 1]) * (kb - Kb[i - 1]) / (Kb[i] - Kb[i - 1]);
    }
}
