namespace VecVault.Core.Collections;

/// <summary>How similarity between vectors is measured.</summary>
public enum Metric
{
    /// <summary>Cosine similarity: vectors are normalised at insert and compared by dot product. Larger is closer.</summary>
    Cosine = 1,

    /// <summary>Squared Euclidean distance. Smaller is closer.</summary>
    L2 = 2,

    /// <summary>Dot product. Larger is closer.</summary>
    Dot = 3,
}
