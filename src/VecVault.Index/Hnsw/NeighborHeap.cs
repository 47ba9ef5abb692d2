namespace VecVault.Index.Hnsw;

/// <summary>
/// A binary heap of <see cref="Neighbor"/>s over a reusable array: a min-heap (closest on top) or a max-heap
/// (farthest on top). Cleared, not reallocated, between searches.
/// </summary>
internal sealed class NeighborHeap(bool closestOnTop)
{
    private Neighbor[] _items = new Neighbor[64];

    public int Count { get; private set; }

    public Neighbor Top => _items[0];

    /// <summary>The items in heap order (not sorted).</summary>
    public ReadOnlySpan<Neighbor> Items => _items.AsSpan(0, Count);

    public void Clear() => Count = 0;

    public void Push(Neighbor item)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Above(item, _items[parent]))
            {
                break;
            }

            _items[i] = _items[parent];
            i = parent;
        }

        _items[i] = item;
    }

    public Neighbor Pop()
    {
        var top = _items[0];
        var last = _items[--Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && Above(_items[child + 1], _items[child]))
            {
                child++;
            }

            if (!Above(_items[child], last))
            {
                break;
            }

            _items[i] = _items[child];
            i = child;
        }

        if (Count > 0)
        {
            _items[i] = last;
        }

        return top;
    }

    private bool Above(Neighbor a, Neighbor b) => closestOnTop ? Closer(a, b) : Closer(b, a);

    /// <summary>The order of <see cref="Neighbor.CompareTo"/> without its NaN handling (distances of finite vectors are never NaN).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool Closer(Neighbor a, Neighbor b) => a.Distance < b.Distance || (a.Distance == b.Distance && a.Node < b.Node);
}
