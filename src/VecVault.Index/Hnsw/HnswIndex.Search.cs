using VecVault.Memory.Hints;

namespace VecVault.Index.Hnsw;

public sealed partial class HnswIndex
{
    /// <summary>
    /// The <paramref name="k"/> nearest accepted nodes to <paramref name="query"/>, closest first, written to
    /// <paramref name="results"/>; returns how many. Greedy descent through the upper layers, then a beam of
    /// <paramref name="ef"/> candidates on layer 0. Nodes <paramref name="accept"/> rejects (deleted points, points a
    /// filter excludes) are traversed but never returned. Allocates nothing once the thread's buffers are warm.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, int k, int ef, Func<int, bool>? accept, Span<Neighbor> results)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (Volatile.Read(ref _entry) is not { } entry)
        {
            return 0;
        }

        var closest = new Neighbor(Distance(query, entry.Node), entry.Node);
        for (var layer = entry.Level; layer > 0; layer--)
        {
            closest = GreedyClosest(query, closest, layer);
        }

        var found = SearchLayer(query, closest, Math.Max(ef, k), 0, accept, Scratch.ForThread());
        var count = Math.Min(Math.Min(k, found.Count), results.Length);
        for (var i = 0; i < count; i++)
        {
            results[i] = found[i];
        }

        return count;
    }

    /// <summary>Walks to ever closer neighbours on <paramref name="layer"/> until none is closer.</summary>
    private Neighbor GreedyClosest(ReadOnlySpan<float> query, Neighbor start, int layer)
    {
        var best = start;
        var improved = true;
        while (improved)
        {
            improved = false;
            var links = Links(best.Node, layer);
            var count = Math.Min(Volatile.Read(ref links[0]), links.Length - 1);
            foreach (var node in links.Slice(1, count))
            {
                _vectors.Prefetch(node);
            }

            for (var i = 1; i <= count; i++)
            {
                var node = links[i];
                var distance = Distance(query, node);
                if (distance < best.Distance)
                {
                    best = new Neighbor(distance, node);
                    improved = true;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// Beam search on one layer (algorithm 2): returns up to <paramref name="ef"/> accepted nodes sorted closest
    /// first, in the thread's scratch list. Rejected nodes still extend the frontier, so a filter does not cut the
    /// graph apart; the search stops when the closest open candidate is farther than the worst of a full result set.
    /// </summary>
    private List<Neighbor> SearchLayer(ReadOnlySpan<float> query, Neighbor start, int ef, int layer, Func<int, bool>? accept, Scratch scratch)
    {
        var visited = VisitedSet.Rent(Math.Max(_nodeLevels.Length, Count));
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        candidates.Clear();
        results.Clear();
        visited.Visit(start.Node);
        candidates.Push(start);
        if (accept is null || accept(start.Node))
        {
            results.Push(start);
        }

        var stored = _vectors.Count;
        var fresh = scratch.Fresh(layer == 0 ? _maxLevel0 : _maxUpper);
        while (candidates.Count > 0)
        {
            var current = candidates.Pop();
            if (results.Count >= ef && current.Distance > results.Top.Distance)
            {
                break;
            }

            // The graph is larger than the caches. First mark every new neighbour and ask for its vector, then score
            // them: the vectors load in parallel while the first ones are scored, instead of one miss after another.
            var links = Links(current.Node, layer);
            var count = Math.Min(Volatile.Read(ref links[0]), links.Length - 1);
            var news = 0;
            foreach (var node in links.Slice(1, count))
            {
                if ((uint)node < (uint)stored && visited.Visit(node))
                {
                    _vectors.Prefetch(node);
                    fresh[news++] = node;
                }
            }

            // The list read next is the closest open candidate's; a closer neighbour pushed below takes its place.
            PrefetchLinks(candidates, layer);
            for (var i = 0; i < news; i++)
            {
                var node = fresh[i];
                var distance = Distance(query, node);
                if (results.Count < ef || distance < results.Top.Distance)
                {
                    var neighbor = new Neighbor(distance, node);
                    candidates.Push(neighbor);
                    if (candidates.Top.Node == node)
                    {
                        PrefetchLinks(candidates, layer);
                    }

                    if (accept is null || accept(node))
                    {
                        results.Push(neighbor);
                        if (results.Count > ef)
                        {
                            results.Pop();
                        }
                    }
                }
            }
        }

        var sorted = scratch.Sorted;
        sorted.Clear();
        foreach (var item in results.Items)
        {
            sorted.Add(item);
        }

        sorted.Sort();
        return sorted;
    }

    /// <summary>Asks the CPU to start loading the neighbour list of the closest open candidate, if any.</summary>
    private void PrefetchLinks(NeighborHeap candidates, int layer)
    {
        if (candidates.Count > 0)
        {
            var links = Links(candidates.Top.Node, layer);
            CacheHint.Prefetch(in links[0], links.Length);
        }
    }

    /// <summary>A thread's search buffers, reused by every search and insert on that thread.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? _current;

        public NeighborHeap Candidates { get; } = new(closestOnTop: true);

        public NeighborHeap Results { get; } = new(closestOnTop: false);

        public List<Neighbor> Sorted { get; } = new(256);

        private List<Neighbor>[] _selected = [];

        public List<Neighbor> Pool { get; } = new(64);

        public List<Neighbor> Pruned { get; } = new(64);

        private int[] _fresh = new int[64];

        public static Scratch ForThread() => _current ??= new Scratch();

        /// <summary>Room for the unvisited neighbours of one node whose lists hold up to <paramref name="links"/> ids.</summary>
        public int[] Fresh(int links)
        {
            if (_fresh.Length < links)
            {
                _fresh = new int[links];
            }

            return _fresh;
        }

        /// <summary>The neighbours an insert selected on <paramref name="layer"/>.</summary>
        public List<Neighbor> Selected(int layer)
        {
            if (layer >= _selected.Length)
            {
                var grown = new List<Neighbor>[layer + 1];
                _selected.CopyTo(grown, 0);
                for (var i = _selected.Length; i < grown.Length; i++)
                {
                    grown[i] = new List<Neighbor>(64);
                }

                _selected = grown;
            }

            return _selected[layer];
        }
    }
}
