using System.Numerics;

namespace NetSecPS.Core.Connectivity;

/// <summary>A set of peer-class indexes as a bit array: what a selector or rule peer matches.</summary>
internal sealed class ClassSet
{
    private readonly ulong[] bits;

    public ClassSet(int capacity) => bits = new ulong[(capacity + 63) / 64];

    public void Add(int index) => bits[index >> 6] |= 1UL << (index & 63);

    public void Remove(int index) => bits[index >> 6] &= ~(1UL << (index & 63));

    public bool Contains(int index) => (bits[index >> 6] & (1UL << (index & 63))) != 0;

    public void UnionWith(ClassSet other)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] |= other.bits[i];
        }
    }

    public void IntersectWith(ClassSet other)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] &= other.bits[i];
        }
    }

    public void ExceptWith(ClassSet other)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] &= ~other.bits[i];
        }
    }

    /// <summary>Sets this set's members in <paramref name="target"/>, a bit array indexed the same way (it may be longer).</summary>
    public void OrInto(ulong[] target)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            target[i] |= bits[i];
        }
    }

    public bool IsEmpty => bits.All(b => b == 0);

    /// <summary>True when every member of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(ClassSet other)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            if ((bits[i] & ~(i < other.bits.Length ? other.bits[i] : 0UL)) != 0)
            {
                return false;
            }
        }

        return true;
    }

    public int Count => bits.Sum(b => BitOperations.PopCount(b));

    public IEnumerable<int> Members()
    {
        for (var i = 0; i < bits.Length; i++)
        {
            var word = bits[i];
            while (word != 0)
            {
                var bit = BitOperations.TrailingZeroCount(word);
                yield return (i << 6) + bit;
                word &= word - 1;
            }
        }
    }

    public ClassSet Clone()
    {
        var c = new ClassSet(bits.Length * 64);
        bits.CopyTo(c.bits, 0);
        return c;
    }
}
