using System.Text;
using VecVault.Core.Collections;
using VecVault.Index.Vectors;

namespace VecVault.Index.Hnsw;

public sealed partial class HnswIndex
{
    private static readonly byte[] Magic = "VVHNSW01"u8.ToArray();

    /// <summary>
    /// Writes the graph (no vector data: parameters, entry point, and every node's level and neighbour ids), so a
    /// loaded segment attaches it without a rebuild. Little-endian:
    /// <code>
    /// "VVHNSW01" ‖ u8 metric ‖ i32 M ‖ i32 ef_construction ‖ i32 ef_search ‖ i32 nodes ‖ i32 entry node (-1: empty) ‖ i32 entry level
    /// per node: u8 level ‖ for layer 0..level: i32 count ‖ i32[count] neighbour ids
    /// </code>
    /// The caller holds writes (no insert runs meanwhile).
    /// </summary>
    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var count = Count;
        var entry = Volatile.Read(ref _entry);
        writer.Write(Magic);
        writer.Write((byte)Metric);
        writer.Write(Options.M);
        writer.Write(Options.EfConstruction);
        writer.Write(Options.EfSearch);
        writer.Write(count);
        writer.Write(entry?.Node ?? -1);
        writer.Write(entry?.Level ?? 0);
        for (var node = 0; node < count; node++)
        {
            var level = _nodeLevels[node];
            writer.Write(level);
            for (var layer = 0; layer <= level; layer++)
            {
                var links = Links(node, layer);
                writer.Write(links[0]);
                foreach (var id in links.Slice(1, links[0]))
                {
                    writer.Write(id);
                }
            }
        }
    }

    /// <summary>Reads a graph written by <see cref="WriteTo"/> over <paramref name="vectors"/>, checking every id and count.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a graph over these vectors.</exception>
    public static HnswIndex Load(Stream stream, VectorStore vectors, int? seed = null)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("not an HNSW graph of format 1");
            }

            var metric = (Metric)reader.ReadByte();
            var options = new HnswOptions { M = reader.ReadInt32(), EfConstruction = reader.ReadInt32(), EfSearch = reader.ReadInt32(), Seed = seed };
            var index = new HnswIndex(vectors, Enum.IsDefined(metric) ? metric : throw new InvalidDataException("unknown metric"), options);
            var count = reader.ReadInt32();
            var entryNode = reader.ReadInt32();
            var entryLevel = reader.ReadInt32();
            Check(count >= 0 && count <= vectors.Count, "node count");
            Check(count == 0 ? entryNode == -1 : (uint)entryNode < (uint)count, "entry point");
            index.EnsureCapacity(count);
            for (var node = 0; node < count; node++)
            {
                var level = reader.ReadByte();
                index._nodeLevels[node] = level;
                if (level > 0)
                {
                    index._upper[node] = new int[level * (1 + index._maxUpper)];
                }

                for (var layer = 0; layer <= level; layer++)
                {
                    var links = index.Links(node, layer);
                    var linkCount = reader.ReadInt32();
                    Check(linkCount >= 0 && linkCount < links.Length, "neighbour count");
                    links[0] = linkCount;
                    for (var i = 1; i <= linkCount; i++)
                    {
                        links[i] = reader.ReadInt32();
                        Check((uint)links[i] < (uint)count, "neighbour id");
                    }
                }
            }

            Check(count == 0 || index._nodeLevels[entryNode] == entryLevel, "entry level");
            if (count > 0)
            {
                index.Publish(count - 1, new EntryPoint(entryNode, entryLevel));
            }

            return index;
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException("the HNSW graph is truncated or malformed", e);
        }

        static void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidDataException($"the HNSW graph has a bad {what}");
            }
        }
    }
}
