using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;

namespace TreasureHunt.Core.Features;

/// <summary>
/// A mergeable approximate distinct count (HyperLogLog, Flajolet et al. 2007): 1.63 % relative standard error at the
/// default p = 12, at most 3,074 bytes serialized. Hand-written (no package served here). Error, hash, size and
/// allocation: docs/internals.md#hyperloglog.
/// </summary>
public sealed class HyperLogLog
{
    public const int MinPrecision = 4;
    public const int MaxPrecision = 16;
    public const int DefaultPrecision = 12;

    private const byte SparseFormat = 1;
    private const byte DenseFormat = 2;

    private byte[]? _dense;          // one register a byte (in memory), when dense
    private uint[] _sparse = [];     // (register << 6 | rank), sorted by register, when sparse
    private int _sparseCount;

    public HyperLogLog(int precision = DefaultPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, MinPrecision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, MaxPrecision);
        Precision = precision;
    }

    /// <summary>p: the sketch has 2^p registers.</summary>
    public int Precision { get; }

    public int RegisterCount => 1 << Precision;

    /// <summary>Whether the registers are stored densely (more than m/4 set).</summary>
    public bool IsDense => _dense is not null;

    /// <summary>1.04/√m: the relative standard error of <see cref="Estimate"/> with 2^<paramref name="precision"/> registers.</summary>
    internal static double RelativeStandardError(int precision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, MinPrecision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, MaxPrecision);
        return 1.04 / Math.Sqrt(1 << precision);
    }

    /// <summary>The 64-bit XxHash3 (seed 0) of a value's UTF-16 code units.</summary>
    public static ulong Hash(ReadOnlySpan<char> value) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value));

    /// <summary>Adds a value; true when a register changed.</summary>
    public bool Add(ReadOnlySpan<char> value) => Add(Hash(value));

    /// <summary>Adds a value by its 64-bit hash (which must be uniformly distributed); true when a register changed.</summary>
    public bool Add(ulong hash)
    {
        var p = Precision;
        var register = (int)(hash >> (64 - p));
        // The remaining 64 − p bits, with a sentinel bit so the rank is at most 64 − p + 1.
        var rank = (byte)(BitOperations.LeadingZeroCount((hash << p) | (1UL << (p - 1))) + 1);
        return Set(register, rank);
    }

    private bool Set(int register, byte rank)
    {
        if (_dense is { } dense)
        {
            if (dense[register] >= rank) return false;
            dense[register] = rank;
            return true;
        }
        var key = (uint)register << 6;
        var at = BinarySearch(key);
        if (at >= 0)
        {
            if ((_sparse[at] & 0x3F) >= rank) return false;
            _sparse[at] = key | rank;
            return true;
        }
        at = ~at;
        if (_sparseCount + 1 > RegisterCount / 4)
        {
            ToDense();
            _dense![register] = rank;
            return true;
        }
        if (_sparseCount == _sparse.Length)
        {
            Array.Resize(ref _sparse, Math.Min(Math.Max(8, _sparse.Length * 2), RegisterCount / 4));
        }
        Array.Copy(_sparse, at, _sparse, at + 1, _sparseCount - at);
        _sparse[at] = key | rank;
        _sparseCount++;
        return true;
    }

    /// <summary>The index of the sparse entry for the register in <paramref name="key"/> (rank bits 0), or its complement.</summary>
    private int BinarySearch(uint key)
    {
        int lo = 0, hi = _sparseCount - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var k = _sparse[mid] & ~0x3Fu;
            if (k == key) return mid;
            if (k < key) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    private void ToDense()
    {
        var dense = new byte[RegisterCount];
        for (var i = 0; i < _sparseCount; i++)
        {
            dense[_sparse[i] >> 6] = (byte)(_sparse[i] & 0x3F);
        }
        _dense = dense;
        _sparse = [];
        _sparseCount = 0;
    }

    /// <summary>Merges <paramref name="other"/> into this sketch (register-wise max): the sketch of the union.</summary>
    public void Merge(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Precision != Precision)
        {
            throw new ArgumentException($"cannot merge a HyperLogLog of precision {other.Precision} into one of precision {Precision}.", nameof(other));
        }
        if (other._dense is { } theirs)
        {
            if (_dense is null) ToDense();
            var ours = _dense!;
            for (var i = 0; i < ours.Length; i++)
            {
                if (theirs[i] > ours[i]) ours[i] = theirs[i];
            }
            return;
        }
        for (var i = 0; i < other._sparseCount; i++)
        {
            Set((int)(other._sparse[i] >> 6), (byte)(other._sparse[i] & 0x3F));
        }
    }

    /// <summary>The estimated number of distinct values added (to either sketch merged in).</summary>
    public double Estimate()
    {
        var m = RegisterCount;
        double sum;
        int zeros;
        if (_dense is { } dense)
        {
            sum = 0;
            zeros = 0;
            foreach (var r in dense)
            {
                sum += Math.ScaleB(1.0, -r);
                if (r == 0) zeros++;
            }
        }
        else
        {
            zeros = m - _sparseCount;
            sum = zeros;
            for (var i = 0; i < _sparseCount; i++)
            {
                sum += Math.ScaleB(1.0, -(int)(_sparse[i] & 0x3F));
            }
        }
        var alpha = m switch
        {
            16 => 0.673,
            32 => 0.697,
            64 => 0.709,
            _ => 0.7213 / (1 + 1.079 / m),
        };
        var raw = alpha * m * m / sum;
        if (raw <= 2.5 * m && zeros > 0)
        {
            return m * Math.Log((double)m / zeros); // small range: linear counting
        }
        return raw;
    }

    /// <summary>Bytes <see cref="WriteTo"/> writes: 2 + 3 a set register (sparse) or 2 + ⌈6·m/8⌉ (dense).</summary>
    public int SerializedSize => 2 + (_dense is null ? 3 * _sparseCount : (RegisterCount * 6 + 7) / 8);

    /// <summary>The largest <see cref="SerializedSize"/> a sketch of this precision can have.</summary>
    public static int MaxSerializedSize(int precision) => 2 + Math.Max(3 * ((1 << precision) / 4), ((1 << precision) * 6 + 7) / 8);

    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedSize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Writes the compact binary form: a format byte (1 sparse, 2 dense) and the precision, then either each set
    /// register as 3 bytes big-endian (register &lt;&lt; 6 | rank, ascending) or every register in 6 bits (packed
    /// little-endian). Returns the bytes written.
    /// </summary>
    public int WriteTo(Span<byte> destination)
    {
        var size = SerializedSize;
        if (destination.Length < size)
        {
            throw new ArgumentException($"{size} bytes are needed.", nameof(destination));
        }
        destination[1] = (byte)Precision;
        if (_dense is { } dense)
        {
            destination[0] = DenseFormat;
            var body = destination[2..size];
            body.Clear();
            for (var i = 0; i < dense.Length; i++)
            {
                var bit = i * 6;
                var value = dense[i] << (bit & 7);
                body[bit >> 3] |= (byte)value;
                if ((bit & 7) > 2) body[(bit >> 3) + 1] |= (byte)(value >> 8);
            }
        }
        else
        {
            destination[0] = SparseFormat;
            for (var i = 0; i < _sparseCount; i++)
            {
                var e = _sparse[i];
                destination[2 + 3 * i] = (byte)(e >> 16);
                destination[3 + 3 * i] = (byte)(e >> 8);
                destination[4 + 3 * i] = (byte)e;
            }
        }
        return size;
    }

    /// <summary>Reads the form written by <see cref="WriteTo"/>; a malformed input is refused with the reason.</summary>
    public static HyperLogLog FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2)
        {
            throw new FormatException("HyperLogLog: fewer than 2 bytes.");
        }
        int precision = bytes[1];
        if (precision is < MinPrecision or > MaxPrecision)
        {
            throw new FormatException($"HyperLogLog: precision {precision} is outside {MinPrecision}..{MaxPrecision}.");
        }
        var sketch = new HyperLogLog(precision);
        var m = sketch.RegisterCount;
        var maxRank = 64 - precision + 1;
        var body = bytes[2..];
        switch (bytes[0])
        {
            case SparseFormat:
                if (body.Length % 3 != 0 || body.Length / 3 > m / 4)
                {
                    throw new FormatException($"HyperLogLog: a sparse body of {body.Length} bytes (3 a register, at most {m / 4} registers).");
                }
                sketch._sparse = new uint[body.Length / 3];
                for (var i = 0; i < sketch._sparse.Length; i++)
                {
                    var e = (uint)(body[3 * i] << 16 | body[3 * i + 1] << 8 | body[3 * i + 2]);
                    var register = e >> 6;
                    var rank = e & 0x3F;
                    if (register >= m || rank == 0 || rank > maxRank || (i > 0 && register <= sketch._sparse[i - 1] >> 6))
                    {
                        throw new FormatException($"HyperLogLog: sparse entry {i} (register {register}, rank {rank}) is out of range or out of order.");
                    }
                    sketch._sparse[i] = e;
                }
                sketch._sparseCount = sketch._sparse.Length;
                return sketch;
            case DenseFormat:
                if (body.Length != (m * 6 + 7) / 8)
                {
                    throw new FormatException($"HyperLogLog: a dense body of {body.Length} bytes, expected {(m * 6 + 7) / 8}.");
                }
                var dense = new byte[m];
                for (var i = 0; i < m; i++)
                {
                    var bit = i * 6;
                    var value = body[bit >> 3] >> (bit & 7);
                    if ((bit & 7) > 2) value |= body[(bit >> 3) + 1] << (8 - (bit & 7));
                    var rank = (byte)(value & 0x3F);
                    if (rank > maxRank)
                    {
                        throw new FormatException($"HyperLogLog: register {i} has rank {rank} > {maxRank}.");
                    }
                    dense[i] = rank;
                }
                sketch._dense = dense;
                return sketch;
            default:
                throw new FormatException($"HyperLogLog: unknown format {bytes[0]}.");
        }
    }
}
