using System.Runtime.InteropServices;

namespace VecVault.Bench.Datasets;

/// <summary>The TEXMEX vector formats (ann-benchmarks' convention): per vector an int32 length, then its values, little-endian.</summary>
public static class Texmex
{
    /// <summary>Reads float vectors (.fvecs).</summary>
    public static float[][] ReadFvecs(string path) => Read<float>(path);

    /// <summary>Reads int vectors (.ivecs).</summary>
    public static int[][] ReadIvecs(string path) => Read<int>(path);

    /// <summary>Writes float vectors (.fvecs).</summary>
    public static void WriteFvecs(string path, IEnumerable<float[]> vectors) => Write(path, vectors);

    /// <summary>Writes int vectors (.ivecs).</summary>
    public static void WriteIvecs(string path, IEnumerable<int[]> vectors) => Write(path, vectors);

    private static T[][] Read<T>(string path)
        where T : unmanaged
    {
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
        var vectors = new List<T[]>();
        Span<byte> length = stackalloc byte[4];
        while (stream.Read(length) == 4)
        {
            var vector = new T[BitConverter.ToInt32(length)];
            stream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
            vectors.Add(vector);
        }

        return [.. vectors];
    }

    private static void Write<T>(string path, IEnumerable<T[]> vectors)
        where T : unmanaged
    {
        using var stream = new BufferedStream(File.Create(path), 1 << 20);
        foreach (var vector in vectors)
        {
            stream.Write(BitConverter.GetBytes(vector.Length));
            stream.Write(MemoryMarshal.AsBytes(vector.AsSpan()));
        }
    }
}
