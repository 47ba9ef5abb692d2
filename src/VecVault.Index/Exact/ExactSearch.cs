using VecVault.Core.Collections;
using VecVault.Index.Distance;
using VecVault.Index.Vectors;

namespace VecVault.Index.Exact;

/// <summary>Exact (brute force) k-nearest-neighbour search over a <see cref="VectorStore"/>.</summary>
public static class ExactSearch
{
    /// <summary>
    /// Scores every live slot and returns the best <paramref name="k"/>, best first; ties break by slot.
    /// </summary>
    /// <param name="store">The vectors.</param>
    /// <param name="metric">The collection's metric (the query is already normalised for cosine).</param>
    /// <param name="query">The query vector.</param>
    /// <param name="k">Number of results.</param>
    /// <param name="isLive">Whether a slot holds a current point (not replaced or deleted).</param>
    /// <param name="cancellationToken">Checked every 4096 slots: a scan past its request's deadline stops.</param>
    public static List<(int Slot, float Score)> Search(VectorStore store, Metric metric, ReadOnlySpan<float> query, int k, Func<int, bool> isLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var higherIsCloser = DistanceKernels.HigherIsCloser(metric);

        // The heap's head is the worst result kept so far.
        var worstFirst = Comparer<(float Score, int Slot)>.Create((x, y) =>
        {
            var byScore = higherIsCloser ? x.Score.CompareTo(y.Score) : y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : y.Slot.CompareTo(x.Slot);
        });
        var heap = new PriorityQueue<int, (float Score, int Slot)>(k + 1, worstFirst);
        var count = store.Count;
        for (var slot = 0; slot < count; slot++)
        {
            if ((slot & 4095) == 4095)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!isLive(slot))
            {
                continue;
            }

            var score = DistanceKernels.Score(metric, query, store.Get(slot));
            if (float.IsNaN(score))
            {
                continue;
            }

            if (heap.Count < k)
            {
                heap.Enqueue(slot, (score, slot));
            }
            else if (heap.TryPeek(out _, out var worst) && worstFirst.Compare((score, slot), worst) > 0)
            {
                heap.DequeueEnqueue(slot, (score, slot));
            }
        }

        var results = new List<(int Slot, float Score)>(heap.Count);
        while (heap.TryDequeue(out var slot, out var priority))
        {
            results.Add((slot, priority.Score));
        }

        results.Reverse();
        return results;
    }
}
