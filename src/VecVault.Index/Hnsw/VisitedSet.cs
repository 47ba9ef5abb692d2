namespace VecVault.Index.Hnsw;

/// <summary>
/// Which nodes a search has visited: one mark per node, tagged with the search's generation, so starting a search is
/// O(1) and nothing is allocated once the set is as large as the graph. Marks are 16 bits, so the set of a 1M-node graph
/// takes 2 MiB of cache, not 4; every 65,535th search clears it. One per thread.
/// </summary>
internal sealed class VisitedSet
{
    [ThreadStatic]
    private static VisitedSet? _current;

    private ushort[] _marks = [];
    private ushort _generation;

    /// <summary>The calling thread's set, cleared, for a graph of <paramref name="nodes"/> nodes.</summary>
    public static VisitedSet Rent(int nodes)
    {
        var set = _current ??= new VisitedSet();
        if (set._marks.Length < nodes)
        {
            set._marks = new ushort[Math.Max(nodes, set._marks.Length * 2)];
            set._generation = 0;
        }

        if (++set._generation == 0)
        {
            Array.Clear(set._marks);
            set._generation = 1;
        }

        return set;
    }

    /// <summary>Marks <paramref name="node"/>; false when it was marked already.</summary>
    public bool Visit(int node)
    {
        if (node >= _marks.Length)
        {
            // A node inserted since the search started.
            Array.Resize(ref _marks, Math.Max(node + 1, _marks.Length * 2));
        }

        if (_marks[node] == _generation)
        {
            return false;
        }

        _marks[node] = _generation;
        return true;
    }
}
