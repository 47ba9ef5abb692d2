using System.Globalization;

namespace VecVault.Bench.Datasets;

/// <summary>Base vectors to index and query vectors to search, all of one dimension (L2).</summary>
/// <param name="Name">Short name, used in file names and reports.</param>
/// <param name="Base">The vectors indexed.</param>
/// <param name="Queries">The vectors searched.</param>
public sealed record Dataset(string Name, float[][] Base, float[][] Queries)
{
    /// <summary>Exact neighbours that came with the set (a TEXMEX ground-truth .ivecs), closest first; null: computed.</summary>
    public int[][]? Truth { get; init; }

    /// <summary>Vector length.</summary>
    public int Dimension => Base[0].Length;

    /// <summary>Fashion-MNIST: the first <paramref name="baseCount"/> training images, the first <paramref name="queryCount"/> test images.</summary>
    public static Dataset FashionMnist(int baseCount, int queryCount) =>
        new($"fashion-mnist-{baseCount / 1000}k", TestSupport.FashionMnist.Train(baseCount), TestSupport.FashionMnist.Test(queryCount));

    /// <summary>
    /// The set a specification names: <c>fashion-mnist[:BASE]</c>, <c>synthetic:COUNTxDIM[:CLUSTERS]</c> (clustered,
    /// seed 7) or <c>fvecs:BASE.fvecs,QUERIES.fvecs[,GROUNDTRUTH.ivecs]</c>; <paramref name="queryCount"/> queries
    /// (fewer when the file holds fewer).
    /// </summary>
    public static Dataset Parse(string specification, int queryCount)
    {
        var (kind, rest) = specification.IndexOf(':') is var colon and >= 0 ? (specification[..colon], specification[(colon + 1)..]) : (specification, "");
        switch (kind)
        {
            case "fashion-mnist":
                return FashionMnist(rest.Length == 0 ? 60_000 : int.Parse(rest, CultureInfo.InvariantCulture), queryCount);
            case "synthetic":
                var parts = rest.Split(':');
                var shape = parts[0].Split('x');
                if (shape.Length != 2)
                {
                    break;
                }

                return Synthetic.Clustered(int.Parse(shape[0], CultureInfo.InvariantCulture), int.Parse(shape[1], CultureInfo.InvariantCulture),
                    parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 64, queryCount, seed: 7);
            case "fvecs" when rest.Split(',') is [var basePath, var queryPath, .. var truth] && truth.Length <= 1:
                var set = Texmex(Path.GetFileNameWithoutExtension(basePath), basePath, queryPath, queryCount);
                return truth.Length == 0 ? set : set with { Truth = [.. Datasets.Texmex.ReadIvecs(truth[0]).Take(set.Queries.Length)] };
        }

        throw new FormatException($"unknown dataset '{specification}': use fashion-mnist[:BASE], synthetic:COUNTxDIM[:CLUSTERS] or fvecs:BASE.fvecs,QUERIES.fvecs[,GROUNDTRUTH.ivecs]");
    }

    /// <summary>A TEXMEX set: base and queries in .fvecs files.</summary>
    public static Dataset Texmex(string name, string basePath, string queryPath, int queryCount) =>
        new(name, Datasets.Texmex.ReadFvecs(basePath), [.. Datasets.Texmex.ReadFvecs(queryPath).Take(queryCount)]);
}
