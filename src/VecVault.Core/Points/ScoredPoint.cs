using System.Text.Json.Nodes;
using VecVault.Core.Ids;

namespace VecVault.Core.Points;

/// <summary>A search result.</summary>
/// <param name="Id">The point's id.</param>
/// <param name="Score">Similarity (cosine, dot: larger is closer) or squared distance (l2: smaller is closer).</param>
/// <param name="Vector">The stored vector, when asked for.</param>
/// <param name="Payload">The payload, when asked for.</param>
public sealed record ScoredPoint(PointId Id, float Score, float[]? Vector, JsonObject? Payload);
