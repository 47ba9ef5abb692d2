using VecVault.Protocol.V1;

namespace VecVault.Client;

/// <summary>Helpers to build wire messages.</summary>
public static class Points
{
    /// <summary>A point with a numeric id and no payload.</summary>
    public static PointStruct Create(ulong id, ReadOnlySpan<float> vector)
    {
        var point = new PointStruct { Id = new PointId { Num = id }, Vector = new Vector() };
        point.Vector.Data.AddRange(vector.ToArray());
        return point;
    }

    /// <summary>A vector message.</summary>
    public static Vector Vector(ReadOnlySpan<float> values)
    {
        var vector = new Vector();
        vector.Data.AddRange(values.ToArray());
        return vector;
    }
}
