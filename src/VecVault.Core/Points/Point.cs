using System.Text.Json.Nodes;
using VecVault.Core.Ids;

namespace VecVault.Core.Points;

/// <summary>A point: an id, a vector and an optional JSON-like payload.</summary>
/// <param name="Id">The point's id.</param>
/// <param name="Vector">The vector; its length equals the collection's dimension.</param>
/// <param name="Payload">Optional payload.</param>
public sealed record Point(PointId Id, ReadOnlyMemory<float> Vector, JsonObject? Payload);
