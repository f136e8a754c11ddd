namespace TreasureHunt.Core.Costs;

/// <summary>
/// Estimates Cosmos DB request units from document sizes, for emulators that report a flat charge.
/// </summary>
/// <remarks>
/// Follows Microsoft's documented RU by document size ("Understand request unit consumption", section "Document size",
/// https://learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption; reads at session/eventual
/// consistency):
/// <code>
/// size (KB)   1     2     4     8     16    32     64     128    256    512     1024   2048
/// read RU     1.00  1.04  1.14  1.33  1.67  2.19   4.76   9.95   20.28  40.95   145.90 291.80
/// write RU    4.95  6.29  6.67  7.04  9.52  11.23  22.67  48.19  98.29  184.57  625.00 1250.00
/// </code>
/// Linear between the points, the 1 KB figure below 1 KB, and the last slope beyond 2 MB (Cosmos DB's item limit, so
/// never needed for a stored item). Before, writes beyond 8 KB extended the 4–8 KB slope (about 16 RU at 128 KB where
/// the table gives 48.19) and reads followed a line through 1 KB = 1 RU and 100 KB = 10 RU. Patches are billed like
/// writes of the resulting document. A query page is estimated as a read of the bytes returned plus 1 RU. Every figure
/// produced here is labelled "estimated" where it is shown.
/// </remarks>
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
