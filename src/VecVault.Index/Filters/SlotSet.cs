using System.Numerics;

namespace VecVault.Index.Filters;

/// <summary>A set of slots as a bitmap: one bit per slot of a collection.</summary>
public sealed class SlotSet
{
    private readonly ulong[] _words;

    /// <summary>An empty set over <paramref name="slots"/> slots.</summary>
    public SlotSet(int slots)
    {
        Slots = slots;
        _words = new ulong[(slots + 63) / 64];
    }

    /// <summary>Slots the set ranges over.</summary>
    public int Slots { get; }

    /// <summary>Every slot.</summary>
    public static SlotSet All(int slots)
    {
        var set = new SlotSet(slots);
        Array.Fill(set._words, ulong.MaxValue);
        set.TrimTail();
        return set;
    }

    /// <summary>True when <paramref name="slot"/> is in the set.</summary>
    public bool Contains(int slot) => (uint)slot < (uint)Slots && (_words[slot >> 6] & (1UL << slot)) != 0;

    /// <summary>Adds <paramref name="slot"/>.</summary>
    public void Add(int slot) => _words[slot >> 6] |= 1UL << slot;

    /// <summary>Number of slots in the set.</summary>
    public int Count()
    {
        var count = 0;
        foreach (var word in _words)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    /// <summary>Keeps only slots also in <paramref name="other"/>.</summary>
    public SlotSet IntersectWith(SlotSet other)
    {
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] &= other._words[i];
        }

        return this;
    }

    /// <summary>Adds every slot of <paramref name="other"/>.</summary>
    public SlotSet UnionWith(SlotSet other)
    {
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] |= other._words[i];
        }

        return this;
    }

    /// <summary>Removes every slot of <paramref name="other"/>.</summary>
    public SlotSet ExceptWith(SlotSet other)
    {
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] &= ~other._words[i];
        }

        return this;
    }

    /// <summary>The slots in ascending order.</summary>
    public IEnumerable<int> Enumerate()
    {
        for (var i = 0; i < _words.Length; i++)
        {
            var word = _words[i];
            while (word != 0)
            {
                yield return (i * 64) + BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }
    }

    private void TrimTail()
    {
        if (Slots % 64 != 0)
        {
            _words[^1] &= (1UL << (Slots % 64)) - 1;
        }
    }
}
