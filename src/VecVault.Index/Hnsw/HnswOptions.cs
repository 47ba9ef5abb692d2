namespace VecVault.Index.Hnsw;

/// <summary>Parameters of an HNSW graph (Malkov and Yashunin).</summary>
public sealed record HnswOptions
{
    /// <summary>Neighbours per node on the upper layers; layer 0 keeps twice as many.</summary>
    public int M { get; init; } = 16;

    /// <summary>Candidate list size while inserting.</summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>Candidate list size of a search that names none.</summary>
    public int EfSearch { get; init; } = 64;

    /// <summary>Seed of the level generator, for reproducible graphs; null draws one at random.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for parameters the graph cannot use.</summary>
    public HnswOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(M, 2, nameof(M));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(M, 256, nameof(M));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfConstruction, 1, nameof(EfConstruction));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfSearch, 1, nameof(EfSearch));
        return this;
    }
}
