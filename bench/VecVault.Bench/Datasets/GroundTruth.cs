using VecVault.Index.Distance;

namespace VecVault.Bench.Datasets;

/// <summary>Exact nearest neighbours (squared L2) of every query, computed once by brute force on every core and cached.</summary>
public static class GroundTruth
{
    /// <summary>
    /// The ids of the <paramref name="k"/> nearest base vectors of each query, closest first: the set's own ground
    /// truth when it came with one, otherwise computed and cached as .ivecs in <paramref name="cacheDirectory"/>.
    /// </summary>
    public static int[][] Get(Dataset dataset, int k, string cacheDirectory)
    {
        if (dataset.Truth is { } given)
        {
            return given.Length == dataset.Queries.Length && given.All(row => row.Length >= k)
                ? [.. given.Select(row => row[..k])]
                : throw new InvalidDataException($"the ground truth of {dataset.Name} does not hold {k} neighbours for each of its {dataset.Queries.Length} queries");
        }

        Directory.CreateDirectory(cacheDirectory);
        var path = Path.Combine(cacheDirectory, $"{dataset.Name}-q{dataset.Queries.Length}-k{k}.ivecs");
        if (File.Exists(path))
        {
            return Texmex.ReadIvecs(path);
        }

        var truth = new int[dataset.Queries.Length][];
        Parallel.For(0, dataset.Queries.Length, q =>
        {
            var query = dataset.Queries[q];
            var best = new PriorityQueue<int, float>(k + 1, Comparer<float>.Create((a, b) => b.CompareTo(a)));
            for (var i = 0; i < dataset.Base.Length; i++)
            {
                var distance = DistanceKernels.L2Squared(query, dataset.Base[i]);
                if (best.Count < k)
                {
                    best.Enqueue(i, distance);
                }
                else if (best.TryPeek(out _, out var worst) && distance < worst)
                {
                    best.DequeueEnqueue(i, distance);
                }
            }

            var ids = new int[best.Count];
            for (var i = ids.Length - 1; i >= 0; i--)
            {
                ids[i] = best.Dequeue();
            }

            truth[q] = ids;
        });
        Texmex.WriteIvecs(path, truth);
        return truth;
    }
}
