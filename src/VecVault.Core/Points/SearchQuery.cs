namespace VecVault.Core.Points;

/// <summary>A k-nearest-neighbour query.</summary>
/// <param name="Vector">The query vector.</param>
/// <param name="K">Number of results.</param>
/// <param name="WithPayload">Return payloads.</param>
/// <param name="WithVectors">Return stored vectors.</param>
/// <param name="ScoreThreshold">Drop results worse than this.</param>
/// <param name="Ef">HNSW candidate list size; null uses the collection's default.</param>
/// <param name="Exact">Exact (brute force) search instead of the index, for checking recall.</param>
/// <param name="Filter">Only points matching it; null for all.</param>
public sealed record SearchQuery(ReadOnlyMemory<float> Vector, int K, bool WithPayload, bool WithVectors, float? ScoreThreshold = null, int? Ef = null, bool Exact = false, Filters.Filter? Filter = null);
