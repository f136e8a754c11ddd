namespace TreasureHunt.Capacity;

/// <summary>
/// Expected number of distinct keys among <c>draws</c> independent draws from a Zipf distribution over <c>keys</c>
/// ranks (P(k) ∝ 1/k^s, the load generator's distribution): Σ_k 1 − (1 − p_k)^draws. Exact for the first
/// <see cref="ExactRanks"/> ranks; beyond, ranks are summed in geometric buckets (width 0.1 % of the rank), where
/// p_k changes by less than 0.1 % across a bucket.
/// </summary>
public static class ZipfDistinct
{
    public const int ExactRanks = 100_000;
    private const double BucketRatio = 1.001;

    public static double Expected(double draws, long keys, double exponent = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(draws);
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        if (draws == 0) return 0;
        var norm = GeneralizedHarmonic(keys, exponent);
        double Hit(double rank) => -double.ExpM1(draws * double.LogP1(-Math.Pow(rank, -exponent) / norm));
        var exact = Math.Min(keys, ExactRanks);
        double distinct = 0;
        for (long k = 1; k <= exact; k++) distinct += Hit(k);
        for (long a = exact + 1; a <= keys;)
        {
            var b = Math.Min(keys + 1, Math.Max(a + 1, (long)(a * BucketRatio)));
            distinct += Hit((a + b - 1) / 2.0) * (b - a);
            a = b;
        }
        return Math.Min(distinct, Math.Min(draws, keys));
    }

    /// <summary>Σ_{k=1..n} k^−s: exact up to 10,000 terms, then Euler–Maclaurin.</summary>
    public static double GeneralizedHarmonic(long n, double s)
    {
        const int direct = 10_000;
        double sum = 0;
        var m = Math.Min(n, direct);
        for (long k = 1; k <= m; k++) sum += Math.Pow(k, -s);
        if (n <= direct) return sum;
        // Σ_{k=m+1..n} f(k) ≈ ∫_m^n f + (f(n) − f(m))/2 + (f'(n) − f'(m))/12, f(x) = x^−s
        double integral = Math.Abs(s - 1) < 1e-12 ? Math.Log((double)n / m) : (Math.Pow(n, 1 - s) - Math.Pow(m, 1 - s)) / (1 - s);
        double f(double x) => Math.Pow(x, -s);
        double df(double x) => -s * Math.Pow(x, -s - 1);
        return sum + integral + (f(n) - f(m)) / 2 + (df(n) - df(m)) / 12;
    }
}
