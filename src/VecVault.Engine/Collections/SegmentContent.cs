using System.Security.Cryptography;
using System.Text.Json;
using VecVault.Core.Collections;
using VecVault.Core.Filters;
using VecVault.Core.Points;
using VecVault.Index.Distance;
using VecVault.Index.Exact;
using VecVault.Index.Filters;
using VecVault.Index.Hnsw;
using VecVault.Index.Vectors;

namespace VecVault.Engine.Collections;

/// <summary>
/// A segment's content in memory, by slot: vectors in locked memory, the HNSW graph over them, payloads and the
/// payload indexes. The active segment's grows with writes; a sealed segment's is loaded from its pages (graph
/// attached, not rebuilt) and may be evicted. Searches pair it with the segment's <see cref="PointSet"/> for liveness.
/// </summary>
internal sealed class SegmentContent : IDisposable
{
    private readonly CollectionConfig _config;
    private readonly List<byte[]?> _payloads;

    /// <summary>An empty content, for a collection's active segment.</summary>
    public SegmentContent(CollectionConfig config)
        : this(config, new VectorStore(config.Dimension), null, [])
    {
    }

    /// <summary>A loaded content: <paramref name="index"/> is attached over <paramref name="vectors"/> (built from them when null).</summary>
    public SegmentContent(CollectionConfig config, VectorStore vectors, HnswIndex? index, List<byte[]?> payloads)
    {
        _config = config;
        Vectors = vectors;
        _payloads = payloads;
        Index = index ?? new HnswIndex(vectors, config.Metric, new HnswOptions { M = config.Hnsw.M, EfConstruction = config.Hnsw.EfConstruction, EfSearch = config.Hnsw.EfSearch });
        PayloadIndexes = new PayloadIndexSet(config.PayloadIndexes);
        for (var slot = 0; slot < payloads.Count; slot++)
        {
            IndexPayload(slot, payloads[slot]);
        }
    }

    public VectorStore Vectors { get; }

    public HnswIndex Index { get; }

    public PayloadIndexSet PayloadIndexes { get; }

    /// <summary>Locked bytes held (the vectors).</summary>
    public long LockedBytes => Vectors.Bytes;

    public byte[]? PayloadAt(int slot) => _payloads[slot];

    /// <summary>Appends a point's vector and payload; returns its slot. Caller holds the collection's exclusive lock.</summary>
    public int Add(ReadOnlySpan<float> vector, byte[]? payload)
    {
        var slot = Vectors.Add(vector);
        _payloads.Add(payload);
        IndexPayload(slot, payload);
        return slot;
    }

    /// <summary>Drops a dead slot's payload.</summary>
    public void DropPayload(int slot) => _payloads[slot] = null;

    /// <summary>Inserts every vector not yet in the graph. Single writer.</summary>
    public void IndexNewPoints()
    {
        while (Index.Count < Vectors.Count)
        {
            Index.Add();
        }
    }

    /// <summary>
    /// The k best live points for a query: exact when asked or when a filter is selective here (at most
    /// <see cref="EngineOptions.ExactFilterPoints"/>, or <see cref="EngineOptions.ExactFilterShare"/> of the live points),
    /// through the graph otherwise. Caller holds the collection's shared lock.
    /// </summary>
    public List<(int Slot, float Score)> Search(ReadOnlySpan<float> vector, SearchQuery query, PointSet points, CancellationToken cancellationToken)
    {
        Func<int, bool> accept = points.IsLive;
        var exact = query.Exact;
        if (query.Filter is not null)
        {
            var matching = Evaluate(query.Filter, points);
            var count = matching.Count();
            exact |= count <= EngineOptions.ExactFilterPoints || count <= points.LiveCount * EngineOptions.ExactFilterShare;
            accept = matching.Contains;
        }

        if (exact)
        {
            return ExactSearch.Search(Vectors, _config.Metric, vector, query.K, accept, cancellationToken);
        }

        var found = new Neighbor[query.K];
        var hits = Index.Search(vector, query.K, query.Ef ?? _config.Hnsw.EfSearch, accept, found);
        var results = new List<(int Slot, float Score)>(hits);
        for (var i = 0; i < hits; i++)
        {
            results.Add((found[i].Node, DistanceKernels.ScoreOf(_config.Metric, found[i].Distance)));
        }

        return results;
    }

    /// <summary>The live slots <paramref name="filter"/> holds for. Caller holds the collection's shared lock.</summary>
    public SlotSet Evaluate(Filter filter, PointSet points)
    {
        var live = new SlotSet(points.Slots);
        foreach (var (_, slot) in points.Live)
        {
            live.Add(slot);
        }

        return new FilterEvaluator(points.Slots, live, slot => _payloads[slot], id => points.TryGetSlot(id, out var slot) ? slot : -1, PayloadIndexes)
            .Evaluate(filter);
    }

    /// <summary>Zeroes the vectors and payloads.</summary>
    public void Dispose()
    {
        Vectors.Dispose();
        foreach (var payload in _payloads)
        {
            CryptographicOperations.ZeroMemory(payload);
        }

        _payloads.Clear();
        PayloadIndexes.Clear();
    }

    private void IndexPayload(int slot, byte[]? payload)
    {
        if (payload is null || PayloadIndexes.Count == 0)
        {
            return;
        }

        using var document = JsonDocument.Parse(payload);
        PayloadIndexes.Add(slot, document.RootElement);
    }
}
