namespace VecVault.Bench.Datasets;

/// <summary>
/// A clustered synthetic set: cluster centres uniform in [-1, 1]^d, points Gaussian around them (sigma 0.15), queries
/// drawn the same way. Seeded, so every run and every peer sees the same vectors.
/// </summary>
public static class Synthetic
{
    /// <summary>A clustered set of <paramref name="count"/> base vectors and <paramref name="queries"/> queries.</summary>
    public static Dataset Clustered(int count, int dimension, int clusters, int queries, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray()).ToArray();
        float[] Point()
        {
            var centre = centres[random.Next(clusters)];
            var point = new float[dimension];
            for (var i = 0; i < dimension; i++)
            {
                // Box-Muller.
                var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                point[i] = centre[i] + (float)(0.15 * gaussian);
            }

            return point;
        }

        var name = count >= 1_000_000 ? $"clustered-{count / 1_000_000}m-{dimension}" : $"clustered-{count / 1000}k-{dimension}";
        return new Dataset(name, [.. Enumerable.Range(0, count).Select(_ => Point())], [.. Enumerable.Range(0, queries).Select(_ => Point())]);
    }
}
