using VecVault.Core.Collections;
using VecVault.Index.Distance;
using VecVault.Index.Vectors;
using VecVault.Memory.Hints;

namespace VecVault.Index.Hnsw;

/// <summary>
/// A hierarchical navigable small world graph (Malkov and Yashunin, 2016) over the vectors of a
/// <see cref="VectorStore"/>: node <c>n</c> is the vector in slot <c>n</c>. Neighbour lists live in flat arrays:
/// layer 0 in one array of <c>1 + 2M</c> ints per node (count, then ids), upper layers in one array per node that has
/// them. Vectors are read where the store keeps them, in locked memory; the graph itself holds no vector data.
/// </summary>
/// <remarks>
/// One writer inserts (the owner serialises inserts); any number of searches run meanwhile. A search may see a
/// neighbour list mid-update, which only makes it approximate; it never sees a node whose vector and lists are not in
/// place, because a node is linked from others only after its own lists are written, and arrays grow by copying.
/// Deleted points stay in the graph as waypoints; searches skip them through the caller's filter.
/// </remarks>
public sealed partial class HnswIndex
{
    private readonly VectorStore _vectors;
    private readonly Random _levels;
    private readonly double _levelFactor;
    private readonly int _maxLevel0;
    private readonly int _maxUpper;
    private int[] _level0 = [];
    private int[]?[] _upper = [];
    private byte[] _nodeLevels = [];
    private EntryPoint? _entry;
    private int _count;

    /// <summary>Creates an empty graph over <paramref name="vectors"/> (cosine vectors must be normalised).</summary>
    public HnswIndex(VectorStore vectors, Metric metric, HnswOptions options)
    {
        _vectors = vectors;
        Metric = metric;
        Options = options.Validate();
        _levels = new Random(options.Seed ?? System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue));
        _levelFactor = 1 / Math.Log(options.M);
        _maxLevel0 = 2 * options.M;
        _maxUpper = options.M;
    }

    /// <summary>The metric distances are computed under.</summary>
    public Metric Metric { get; }

    /// <summary>The graph's parameters.</summary>
    public HnswOptions Options { get; }

    /// <summary>Nodes in the graph: slots <c>0 .. Count - 1</c>.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes of neighbour lists held (managed memory; ids only).</summary>
    public long Bytes => (_level0.LongLength * sizeof(int)) + _nodeLevels.LongLength
        + _upper.Take(Count).Sum(u => (long)(u?.Length ?? 0) * sizeof(int));

    /// <summary>
    /// Inserts the vector in slot <see cref="Count"/> of the store (inserts go in slot order), linking it to its
    /// nearest neighbours on each of its layers with the neighbour-selection heuristic. Single writer.
    /// </summary>
    public void Add()
    {
        var node = _count;
        if (node >= _vectors.Count)
        {
            throw new InvalidOperationException($"slot {node} is not in the vector store yet");
        }

        EnsureCapacity(node + 1);
        var level = Math.Min(RandomLevel(), byte.MaxValue);
        _nodeLevels[node] = (byte)level;
        if (level > 0)
        {
            _upper[node] = new int[level * (1 + _maxUpper)];
        }

        if (_entry is not { } entry)
        {
            Publish(node, new EntryPoint(node, level));
            return;
        }

        var query = _vectors.Get(node);
        var scratch = Scratch.ForThread();
        var closest = new Neighbor(Distance(query, entry.Node), entry.Node);
        for (var layer = entry.Level; layer > level; layer--)
        {
            closest = GreedyClosest(query, closest, layer);
        }

        // First the node's own lists on every layer, then the links to it: a search that reaches the node through a
        // new link always finds its lists in place, down to layer 0.
        var top = Math.Min(level, entry.Level);
        for (var layer = top; layer >= 0; layer--)
        {
            var candidates = SearchLayer(query, closest, Options.EfConstruction, layer, accept: null, scratch);
            SelectNeighbors(candidates, Options.M, scratch.Selected(layer));
            closest = candidates[0];
        }

        for (var layer = top; layer >= 0; layer--)
        {
            WriteLinks(Links(node, layer), scratch.Selected(layer));
        }

        for (var layer = top; layer >= 0; layer--)
        {
            var selected = scratch.Selected(layer);
            for (var i = 0; i < selected.Count; i++)
            {
                // The next neighbour's list loads while this one is updated.
                if (i + 1 < selected.Count)
                {
                    var next = Links(selected[i + 1].Node, layer);
                    CacheHint.Prefetch(in next[0], next.Length);
                }

                Connect(selected[i].Node, node, selected[i].Distance, layer, scratch);
            }
        }

        Publish(node, level > entry.Level ? new EntryPoint(node, level) : entry);
    }

    private void Publish(int node, EntryPoint entry)
    {
        Volatile.Write(ref _entry, entry);
        Volatile.Write(ref _count, node + 1);
    }

    /// <summary>Adds <paramref name="newNode"/> to <paramref name="node"/>'s list on <paramref name="layer"/>; a full list is pruned by the heuristic.</summary>
    private void Connect(int node, int newNode, float distance, int layer, Scratch scratch)
    {
        var links = Links(node, layer);
        var count = links[0];
        var max = layer == 0 ? _maxLevel0 : _maxUpper;
        if (count < max)
        {
            links[1 + count] = newNode;
            Volatile.Write(ref links[0], count + 1);
            return;
        }

        // A full list is re-scored and pruned: its vectors are the neighbours' neighbours, rarely in cache, so all of
        // them are asked for before the first is read.
        foreach (var other in links.Slice(1, count))
        {
            _vectors.Prefetch(other);
        }

        var pool = scratch.Pool;
        pool.Clear();
        pool.Add(new Neighbor(distance, newNode));
        var origin = _vectors.Get(node);
        for (var i = 0; i < count; i++)
        {
            var other = links[1 + i];
            pool.Add(new Neighbor(Distance(origin, other), other));
        }

        pool.Sort();
        SelectNeighbors(pool, max, scratch.Pruned);
        WriteLinks(links, scratch.Pruned);
    }

    /// <summary>
    /// The heuristic of the paper (algorithm 4): from candidates sorted closest first, keep one only when it is closer
    /// to the query than to every one already kept, so links spread in all directions; at most <paramref name="max"/>.
    /// </summary>
    private void SelectNeighbors(List<Neighbor> sortedCandidates, int max, List<Neighbor> selected)
    {
        selected.Clear();
        foreach (var candidate in sortedCandidates)
        {
            if (selected.Count == max)
            {
                break;
            }

            var vector = _vectors.Get(candidate.Node);
            var keep = true;
            foreach (var kept in selected)
            {
                if (Distance(vector, kept.Node) < candidate.Distance)
                {
                    keep = false;
                    break;
                }
            }

            if (keep)
            {
                selected.Add(candidate);
            }
        }
    }

    /// <summary>Writes ids first and the count last, so a concurrent reader sees a valid (old or new) prefix.</summary>
    private static void WriteLinks(Span<int> links, List<Neighbor> neighbors)
    {
        var shrinking = neighbors.Count < links[0];
        if (shrinking)
        {
            Volatile.Write(ref links[0], neighbors.Count);
        }

        for (var i = 0; i < neighbors.Count; i++)
        {
            links[1 + i] = neighbors[i].Node;
        }

        if (!shrinking)
        {
            Volatile.Write(ref links[0], neighbors.Count);
        }
    }

    /// <summary>The list of <paramref name="node"/> on <paramref name="layer"/>: count, then ids.</summary>
    private Span<int> Links(int node, int layer) => layer == 0
        ? _level0.AsSpan(node * (1 + _maxLevel0), 1 + _maxLevel0)
        : _upper[node].AsSpan((layer - 1) * (1 + _maxUpper), 1 + _maxUpper);

    private int RandomLevel() => (int)(-Math.Log(1 - _levels.NextDouble()) * _levelFactor);

    private float Distance(ReadOnlySpan<float> query, int node) => DistanceKernels.Distance(Metric, query, _vectors.Get(node));

    /// <summary>Grows the arrays by copying (readers keep the old ones, which stay valid for the nodes they hold).</summary>
    private void EnsureCapacity(int nodes)
    {
        if (_nodeLevels.Length >= nodes)
        {
            return;
        }

        var capacity = Math.Max(nodes, Math.Max(1024, _nodeLevels.Length * 2));
        var level0 = new int[capacity * (1 + _maxLevel0)];
        _level0.CopyTo(level0, 0);
        var upper = new int[]?[capacity];
        _upper.CopyTo(upper, 0);
        var levels = new byte[capacity];
        _nodeLevels.CopyTo(levels, 0);
        Volatile.Write(ref _upper, upper);
        Volatile.Write(ref _nodeLevels, levels);
        Volatile.Write(ref _level0, level0);
    }

    /// <summary>Where searches start: the node on the top layer.</summary>
    private sealed record EntryPoint(int Node, int Level);
}
