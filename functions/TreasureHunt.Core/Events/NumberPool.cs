namespace TreasureHunt.Core.Events;

/// <summary>
/// Reuses the boxes of attribute numbers that repeat (quantities, ratings, prices): a direct-mapped cache keyed by the
/// number's bits, so a repeated number costs no allocation and a new one replaces whatever shared its slot. Boxes are
/// never mutated, so sharing one between events is safe.
/// Not thread-safe: one pool per parser.
/// </summary>
internal sealed class NumberPool
{
    private const int SlotBits = 10;
    private readonly object?[] _slots = new object?[1 << SlotBits];

    public object Box(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var slot = (int)(((ulong)bits * 0x9E3779B97F4A7C15UL) >> (64 - SlotBits));
        if (_slots[slot] is double pooled && BitConverter.DoubleToInt64Bits(pooled) == bits)
        {
            return _slots[slot]!;
        }
        object boxed = value;
        _slots[slot] = boxed;
        return boxed;
    }
}
