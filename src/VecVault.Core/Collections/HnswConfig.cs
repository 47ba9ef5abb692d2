using VecVault.Core.Errors;

namespace VecVault.Core.Collections;

/// <summary>A collection's HNSW parameters.</summary>
/// <param name="M">Neighbours per node on the upper layers (layer 0 keeps twice as many), 2..<see cref="MaxM"/>.</param>
/// <param name="EfConstruction">Candidate list size while inserting, 1..<see cref="MaxEf"/>.</param>
/// <param name="EfSearch">Candidate list size of a search that names none, 1..<see cref="MaxEf"/>.</param>
public sealed record HnswConfig(int M = 16, int EfConstruction = 200, int EfSearch = 64)
{
    /// <summary>Largest M accepted.</summary>
    public const int MaxM = 128;

    /// <summary>Largest candidate list accepted, building or searching.</summary>
    public const int MaxEf = 4096;

    /// <summary>The defaults: M 16, ef_construction 200, ef 64.</summary>
    public static HnswConfig Default { get; } = new();

    /// <summary>Throws <see cref="VecVaultException"/> (InvalidArgument) naming the field out of range.</summary>
    public HnswConfig Validate(string field = "config.hnsw")
    {
        if (M is < 2 or > MaxM)
        {
            throw VecVaultException.Invalid($"{field}.m", $"must be between 2 and {MaxM}");
        }

        if (EfConstruction is < 1 or > MaxEf)
        {
            throw VecVaultException.Invalid($"{field}.ef_construction", $"must be between 1 and {MaxEf}");
        }

        if (EfSearch is < 1 or > MaxEf)
        {
            throw VecVaultException.Invalid($"{field}.ef_search", $"must be between 1 and {MaxEf}");
        }

        return this;
    }
}
