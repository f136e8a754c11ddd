namespace TreasureHunt.Core.Features;

// TEMPORARY BRIDGE (h9a): stands in for h9b's HyperLogLog until branch h9b is merged (same API as agreed in the brief).
public sealed class HyperLogLog
{
    private readonly byte[] _registers = new byte[256];

    public void Add(ReadOnlySpan<char> value)
    {
        var z = (ulong)Rollups.ShardRouting.StableHash(value) * 0x9E3779B97F4A7C15UL + (ulong)value.Length;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        Add(z ^ (z >> 31));
    }

    public void Add(ulong hash)
    {
        var index = (int)(hash >> 56);
        var rank = (byte)(System.Numerics.BitOperations.LeadingZeroCount((hash << 8) | 0x80) + 1);
        if (rank > _registers[index]) _registers[index] = rank;
    }

    public double Estimate()
    {
        double sum = 0;
        var zeros = 0;
        foreach (var r in _registers) { sum += Math.Pow(2, -r); if (r == 0) zeros++; }
        var m = _registers.Length;
        var e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
        return e <= 2.5 * m && zeros > 0 ? m * Math.Log((double)m / zeros) : e;
    }

    public byte[] ToBytes() => (byte[])_registers.Clone();

    public static HyperLogLog FromBytes(ReadOnlySpan<byte> bytes)
    {
        var h = new HyperLogLog();
        bytes[..Math.Min(bytes.Length, 256)].CopyTo(h._registers);
        return h;
    }
}
