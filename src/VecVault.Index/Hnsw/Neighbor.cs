namespace VecVault.Index.Hnsw;

/// <summary>A node of the graph (a vector slot) and its distance to the query (smaller is closer).</summary>
/// <param name="Distance">Distance to the query.</param>
/// <param name="Node">The node.</param>
public readonly record struct Neighbor(float Distance, int Node) : IComparable<Neighbor>
{
    /// <summary>By distance, then by node, so results are deterministic.</summary>
    public int CompareTo(Neighbor other)
    {
        var byDistance = Distance.CompareTo(other.Distance);
        return byDistance != 0 ? byDistance : Node.CompareTo(other.Node);
    }
}
