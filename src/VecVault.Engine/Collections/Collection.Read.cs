using System.Text.Json;
using System.Text.Json.Nodes;
using VecVault.Core.Filters;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Index.Distance;

namespace VecVault.Engine.Collections;

// Reads check availability under the shared lock: a delete or a revocation unloads the collection under the
// exclusive one, so a read sees either all of the data or the denial, never an emptied store. A search runs over the
// segments in parallel, each sealed one held in memory only while it is searched.
internal sealed partial class Collection
{
    private static readonly Comparer<PointId> LargestFirst = Comparer<PointId>.Create((a, b) => b.CompareTo(a));

    /// <summary>
    /// k-nearest-neighbour search over the collection's live points: every segment is searched (through its graph
    /// with the query's ef, the collection's default when it names none, or exact when the query asks) and the best k
    /// merged. A scan stops with <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/>
    /// (the request's deadline) fires.
    /// </summary>
    public IReadOnlyList<ScoredPoint> Search(SearchQuery query, CancellationToken cancellationToken = default)
    {
        VectorValidation.Check(query.Vector.Span, Config.Dimension, "vector");
        cancellationToken.ThrowIfCancellationRequested();
        var vector = Prepare(query.Vector.Span);
        var closerFirst = DistanceKernels.HigherIsCloser(Config.Metric) ? -1 : 1;
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();

            // The active segment (null) and every sealed segment with live points, searched in parallel: each yields
            // its k best, read while it is held; the k best of those are the answer.
            List<SealedSegment?> sources = [null, .. _sealed.Where(s => s.Points.LiveCount > 0)];
            var found = new List<ScoredPoint>[sources.Count];
            if (sources.Count == 1)
            {
                found[0] = SearchSegment(null);
            }
            else
            {
                try
                {
                    Parallel.For(0, sources.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                        i => found[i] = SearchSegment(sources[i]));
                }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    // A segment that failed to load (quarantined, HSM unavailable) or a deadline: its own error.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
                }
            }

            var best = found.SelectMany(f => f).ToList();
            best.Sort((a, b) => closerFirst * a.Score.CompareTo(b.Score));
            return best.Count > query.K ? best[..query.K] : best;

            List<ScoredPoint> SearchSegment(SealedSegment? segment)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var use = segment is null ? default : Use(segment);
                var (points, content) = segment is null ? (_points, _content) : (segment.Points, use.Content);
                var hits = new List<ScoredPoint>(query.K);
                foreach (var (slot, score) in content.Search(vector, query, points, cancellationToken))
                {
                    if (query.ScoreThreshold is { } threshold && !IsWithin(score, threshold))
                    {
                        break;
                    }

                    hits.Add(new ScoredPoint(
                        points.IdAt(slot),
                        score,
                        query.WithVectors ? content.Vectors.Get(slot).ToArray() : null,
                        query.WithPayload ? ParsePayload(content.PayloadAt(slot)) : null));
                }

                return hits;
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
                if (Find(id) is var (segment, slot) && slot >= 0)
                {
                    points.Add(Read(segment, slot, withPayload, withVectors));
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
            if (filter is null)
            {
                return LiveCount;
            }

            long count = _content.Evaluate(filter, _points).Count();
            foreach (var segment in _sealed.Where(s => s.Points.LiveCount > 0))
            {
                using var use = Use(segment);
                count += use.Content.Evaluate(filter, segment.Points).Count();
            }

            return count;
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

            // The page is the limit + 1 smallest ids from the offset on (the last one is the next page's offset), kept
            // in a heap with the largest on top: one pass over the live points, without sorting them all.
            var page = new PriorityQueue<(PointId Id, SealedSegment? Segment, int Slot), PointId>(Math.Min(limit, 1023) + 1, LargestFirst);
            Gather(null, _points, filter is null ? null : _content.Evaluate(filter, _points));
            foreach (var segment in _sealed.Where(s => s.Points.LiveCount > 0))
            {
                if (filter is null)
                {
                    Gather(segment, segment.Points, null);
                    continue;
                }

                using var use = Use(segment);
                Gather(segment, segment.Points, use.Content.Evaluate(filter, segment.Points));
            }

            var ordered = page.UnorderedItems.Select(e => e.Element).OrderBy(c => c.Id).ToList();
            var points = ordered.Take(limit).Select(c => Read(c.Segment, c.Slot, withPayload, withVectors)).ToList();
            return (points, ordered.Count > limit ? ordered[limit].Id : null);

            void Gather(SealedSegment? segment, PointSet points, Index.Filters.SlotSet? matching)
            {
                foreach (var (id, slot) in points.Live)
                {
                    if ((offset is not null && id.CompareTo(offset.Value) < 0) || (matching is not null && !matching.Contains(slot)))
                    {
                        continue;
                    }

                    if (page.Count <= limit)
                    {
                        page.Enqueue((id, segment, slot), id);
                    }
                    else if (id.CompareTo(page.Peek().Id) < 0)
                    {
                        page.EnqueueDequeue((id, segment, slot), id);
                    }
                }
            }
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>The ids of the live points that match <paramref name="filter"/>.</summary>
    public List<PointId> MatchingIds(Filter filter)
    {
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var ids = new List<PointId>();
            Gather(_points, _content.Evaluate(filter, _points));
            foreach (var segment in _sealed.Where(s => s.Points.LiveCount > 0))
            {
                using var use = Use(segment);
                Gather(segment.Points, use.Content.Evaluate(filter, segment.Points));
            }

            return ids;

            void Gather(PointSet points, Index.Filters.SlotSet matching) =>
                ids.AddRange(points.Live.Where(live => matching.Contains(live.Value)).Select(live => live.Key));
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Where <paramref name="id"/> is live: the sealed segment (null: the active one) and slot, or slot -1. Caller holds the shared lock.</summary>
    private (SealedSegment? Segment, int Slot) Find(PointId id)
    {
        if (_points.TryGetSlot(id, out var slot))
        {
            return (null, slot);
        }

        for (var i = _sealed.Count - 1; i >= 0; i--)
        {
            if (_sealed[i].Points.TryGetSlot(id, out slot))
            {
                return (_sealed[i], slot);
            }
        }

        return (null, -1);
    }

    private Point Read(SealedSegment? segment, int slot, bool withPayload, bool withVectors)
    {
        var points = segment?.Points ?? _points;
        if (!withPayload && !withVectors)
        {
            return new Point(points.IdAt(slot), ReadOnlyMemory<float>.Empty, null);
        }

        using var use = segment is null ? default : Use(segment);
        var content = segment is null ? _content : use.Content;
        return new Point(
            points.IdAt(slot),
            withVectors ? content.Vectors.Get(slot).ToArray() : ReadOnlyMemory<float>.Empty,
            withPayload ? ParsePayload(content.PayloadAt(slot)) : null);
    }

    private bool IsWithin(float score, float threshold) =>
        DistanceKernels.HigherIsCloser(Config.Metric) ? score >= threshold : score <= threshold;

    private static JsonObject? ParsePayload(byte[]? payload) =>
        payload is null ? null : JsonSerializer.Deserialize<JsonObject>(payload);
}
