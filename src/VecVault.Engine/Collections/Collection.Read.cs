using System.Text.Json;
using System.Text.Json.Nodes;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Index.Exact;

namespace VecVault.Engine.Collections;

// Reads check availability under the shared lock: a delete or a revocation unloads the collection under the
// exclusive one, so a read sees either all of the data or the denial, never an emptied store.
internal sealed partial class Collection
{
    /// <summary>Exact k-nearest-neighbour search over the collection's live points.</summary>
    public IReadOnlyList<ScoredPoint> Search(SearchQuery query)
    {
        VectorValidation.Check(query.Vector.Span, Config.Dimension, "vector");
        var vector = Prepare(query.Vector.Span);
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var hits = ExactSearch.Search(_vectors, Config.Metric, vector, query.K, slot => _live[slot]);
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

    /// <summary>Number of live points.</summary>
    public long Count()
    {
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            return _slotById.Count;
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>A page of points in id order starting at <paramref name="offset"/>, and the offset of the next page.</summary>
    public (IReadOnlyList<Point> Points, PointId? Next) Scroll(PointId? offset, int limit, bool withPayload, bool withVectors)
    {
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var ids = _slotById.Keys.Where(id => offset is null || id.CompareTo(offset.Value) >= 0).Order().Take(limit + 1).ToList();
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
        Index.Distance.DistanceKernels.HigherIsCloser(Config.Metric) ? score >= threshold : score <= threshold;

    private static JsonObject? ParsePayload(byte[]? payload) =>
        payload is null ? null : JsonSerializer.Deserialize<JsonObject>(payload);
}
