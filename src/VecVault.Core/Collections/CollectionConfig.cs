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

    /// <summary>Default of <see cref="SegmentMaxPoints"/>.</summary>
    public const int DefaultSegmentMaxPoints = 100_000;

    /// <summary>Points the active segment holds before it is sealed under a fresh DEK.</summary>
    public int SegmentMaxPoints { get; init; } = DefaultSegmentMaxPoints;

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

        if (SegmentMaxPoints is < 10 or > 10_000_000)
        {
            throw VecVaultException.Invalid($"{field}.segment_max_points", "must be between 10 and 10000000");
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
