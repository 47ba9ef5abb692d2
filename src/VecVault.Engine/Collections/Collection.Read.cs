using System.Text.Json;
using System.Text.Json.Nodes;
using VecVault.Core.Filters;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Index.Distance;
using VecVault.Index.Exact;
using VecVault.Index.Hnsw;

namespace VecVault.Engine.Collections;

// Reads check availability under the shared lock: a delete or a revocation unloads the collection under the
// exclusive one, so a read sees either all of the data or the denial, never an emptied store.
internal sealed partial class Collection
{
    /// <summary>
    /// k-nearest-neighbour search over the collection's live points: through the HNSW graph with the query's ef (the
    /// collection's default when it names none), or exact (brute force) when the query asks. A scan stops with
    /// <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> (the request's deadline) fires.
    /// </summary>
    public IReadOnlyList<ScoredPoint> Search(SearchQuery query, CancellationToken cancellationToken = default)
    {
        VectorValidation.Check(query.Vector.Span, Config.Dimension, "vector");
        cancellationToken.ThrowIfCancellationRequested();
        var vector = Prepare(query.Vector.Span);
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var hits = Plan(query) switch
            {
                (SearchPlan.Exact, var accept) => ExactSearch.Search(_vectors, Config.Metric, vector, query.K, accept, cancellationToken),
                (_, var accept) => SearchGraph(vector, query, accept),
            };
            var results = new List<ScoredPoint>(hits.Count);
            foreach (var (slot, score) in hits)
            {
                if (query.ScoreThreshold is { } threshold && !IsWithin(score, threshold))
                {
                    break;
                }

                results.Add(new ScoredPoint(
                    _slotIds[slot],
                    score,
                    query.WithVectors ? _vectors.Get(slot).ToArray() : null,
                    query.WithPayload ? ParsePayload(_payloads[slot]) : null));
            }

            return results;
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    private List<(int Slot, float Score)> SearchGraph(float[] vector, SearchQuery query, Func<int, bool> accept)
    {
        var found = new Neighbor[query.K];
        var count = _index.Search(vector, query.K, query.Ef ?? Config.Hnsw.EfSearch, accept, found);
        var hits = new List<(int Slot, float Score)>(count);
        for (var i = 0; i < count; i++)
        {
            hits.Add((found[i].Node, DistanceKernels.ScoreOf(Config.Metric, found[i].Distance)));
        }

        return hits;
    }

    /// <summary>
    /// Inserts every point applied since the last call into the graph. Callers serialise it (the durable-write
    /// queue, or recovery); it holds the shared lock, so searches run meanwhile and an unload waits for it.
    /// </summary>
    private void IndexNewPoints()
    {
        _state.EnterReadLock();
        try
        {
            if (_gone is not null)
            {
                return;
            }

            while (_index.Count < _vectors.Count)
            {
                _index.Add();
            }
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>The points with the given ids, in request order; missing ids are left out.</summary>
    public IReadOnlyList<Point> Get(IReadOnlyList<PointId> ids, bool withPayload, bool withVectors)
    {
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var points = new List<Point>(ids.Count);
            foreach (var id in ids)
            {
                if (_slotById.TryGetValue(id, out var slot))
                {
                    points.Add(Read(slot, withPayload, withVectors));
                }
            }

            return points;
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Number of live points (that match <paramref name="filter"/>, when given).</summary>
    public long Count(Filter? filter = null)
    {
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            return filter is null ? _slotById.Count : Evaluate(filter).Count();
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>A page of points (that match <paramref name="filter"/>, when given) in id order starting at <paramref name="offset"/>, and the offset of the next page.</summary>
    public (IReadOnlyList<Point> Points, PointId? Next) Scroll(PointId? offset, int limit, bool withPayload, bool withVectors, Filter? filter = null)
    {
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var matching = filter is null ? null : Evaluate(filter);
            var ids = _slotById
                .Where(entry => (offset is null || entry.Key.CompareTo(offset.Value) >= 0) && (matching is null || matching.Contains(entry.Value)))
                .Select(entry => entry.Key).Order().Take(limit + 1).ToList();
            var page = ids.Take(limit).Select(id => Read(_slotById[id], withPayload, withVectors)).ToList();
            return (page, ids.Count > limit ? ids[limit] : null);
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    private Point Read(int slot, bool withPayload, bool withVectors) => new(
        _slotIds[slot],
        withVectors ? _vectors.Get(slot).ToArray() : ReadOnlyMemory<float>.Empty,
        withPayload ? ParsePayload(_payloads[slot]) : null);

    private bool IsWithin(float score, float threshold) =>
        DistanceKernels.HigherIsCloser(Config.Metric) ? score >= threshold : score <= threshold;

    private static JsonObject? ParsePayload(byte[]? payload) =>
        payload is null ? null : JsonSerializer.Deserialize<JsonObject>(payload);
}
