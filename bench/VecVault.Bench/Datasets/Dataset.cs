namespace VecVault.Bench.Datasets;

/// <summary>Base vectors to index and query vectors to search, all of one dimension (L2).</summary>
/// <param name="Name">Short name, used in file names and reports.</param>
/// <param name="Base">The vectors indexed.</param>
/// <param name="Queries">The vectors searched.</param>
public sealed record Dataset(string Name, float[][] Base, float[][] Queries)
{
    /// <summary>Vector length.</summary>
    public int Dimension => Base[0].Length;

    /// <summary>Fashion-MNIST: the first <paramref name="baseCount"/> training images, the first <paramref name="queryCount"/> test images.</summary>
    public static Dataset FashionMnist(int baseCount, int queryCount) =>
        new($"fashion-mnist-{baseCount / 1000}k", TestSupport.FashionMnist.Train(baseCount), TestSupport.FashionMnist.Test(queryCount));

    /// <summary>A TEXMEX set: base and queries in .fvecs files.</summary>
    public static Dataset Texmex(string name, string basePath, string queryPath, int queryCount) =>
        new(name, Datasets.Texmex.ReadFvecs(basePath), [.. Datasets.Texmex.ReadFvecs(queryPath).Take(queryCount)]);
}
