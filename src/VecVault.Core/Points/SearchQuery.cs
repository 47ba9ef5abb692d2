namespace VecVault.Core.Points;

/// <summary>A k-nearest-neighbour query.</summary>
/// <param name="Vector">The query vector.</param>
/// <param name="K">Number of results.</param>
/// <param name="WithPayload">Return payloads.</param>
/// <param name="WithVectors">Return stored vectors.</param>
/// <param name="ScoreThreshold">Drop results worse than this.</param>
public sealed record SearchQuery(ReadOnlyMemory<float> Vector, int K, bool WithPayload, bool WithVectors, float? ScoreThreshold = null);
