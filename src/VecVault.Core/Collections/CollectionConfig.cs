using VecVault.Core.Errors;

namespace VecVault.Core.Collections;

/// <summary>The fixed shape of a collection.</summary>
/// <param name="Dimension">Vector length, 1..<see cref="MaxDimension"/>.</param>
/// <param name="Metric">Similarity measure.</param>
public sealed record CollectionConfig(int Dimension, Metric Metric)
{
    /// <summary>Longest vector accepted.</summary>
    public const int MaxDimension = 65_536;

    /// <summary>HNSW parameters.</summary>
    public HnswConfig Hnsw { get; init; } = HnswConfig.Default;

    /// <summary>Payload fields indexed for filtering.</summary>
    public IReadOnlyList<PayloadIndexSpec> PayloadIndexes { get; init; } = [];

    /// <summary>Throws <see cref="VecVaultException"/> (InvalidArgument) for an unusable configuration.</summary>
    public CollectionConfig Validate(string field = "config")
    {
        if (Dimension is < 1 or > MaxDimension)
        {
            throw VecVaultException.Invalid($"{field}.dimension", $"must be between 1 and {MaxDimension}");
        }

        if (!Enum.IsDefined(Metric))
        {
            throw VecVaultException.Invalid($"{field}.metric", "must be METRIC_COSINE, METRIC_L2 or METRIC_DOT");
        }

        Hnsw.Validate($"{field}.hnsw");
        if (PayloadIndexes.Count > PayloadIndexSpec.MaxIndexes)
        {
            throw VecVaultException.Invalid($"{field}.payload_indexes", $"must hold at most {PayloadIndexSpec.MaxIndexes} indexes");
        }

        for (var i = 0; i < PayloadIndexes.Count; i++)
        {
            PayloadIndexes[i].Validate($"{field}.payload_indexes[{i}]");
            if (PayloadIndexes.Take(i).Any(other => other.Field == PayloadIndexes[i].Field))
            {
                throw VecVaultException.Invalid($"{field}.payload_indexes[{i}].field", "is indexed twice");
            }
        }

        return this;
    }
}
