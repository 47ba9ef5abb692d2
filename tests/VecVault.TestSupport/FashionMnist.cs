using System.Buffers.Binary;
using System.IO.Compression;

namespace VecVault.TestSupport;

/// <summary>
/// Fashion-MNIST (Debian package <c>dataset-fashion-mnist</c>): 60,000 training and 10,000 test images of 28 x 28
/// grey levels, as 784-dimension float vectors (0-255), read from the gzipped IDX files.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package puts the files.</summary>
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Vector length.</summary>
    public const int Dimension = 784;

    /// <summary>The first <paramref name="count"/> training images.</summary>
    public static float[][] Train(int count = 60_000) => Read("train-images-idx3-ubyte.gz", count);

    /// <summary>The first <paramref name="count"/> test images (the ann-benchmarks queries).</summary>
    public static float[][] Test(int count = 10_000) => Read("t10k-images-idx3-ubyte.gz", count);

    private static float[][] Read(string file, int count)
    {
        var path = Path.Combine(Directory, file);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: ./scripts/setup installs dataset-fashion-mnist");
        }

        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 2051)
        {
            throw new InvalidDataException($"{path} is not an IDX image file");
        }

        var images = Math.Min(count, BinaryPrimitives.ReadInt32BigEndian(header[4..]));
        var pixels = new byte[Dimension];
        var vectors = new float[images][];
        for (var i = 0; i < images; i++)
        {
            stream.ReadExactly(pixels);
            vectors[i] = Array.ConvertAll(pixels, p => (float)p);
        }

        return vectors;
    }
}
