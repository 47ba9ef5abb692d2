using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Pages;
using VecVault.Index.Hnsw;
using VecVault.Index.Vectors;
using VecVault.Memory.Locked;

namespace VecVault.Engine.Collections;

/// <summary>
/// The sections of a sealed segment's pages (format version 1; see docs/format.md), little-endian:
/// <code>
/// points:   u32 slots ‖ u32 tombstones ‖ u64 previous sealed segment id (0: none) ‖ per slot: u8 live ‖ point id ‖ per tombstone: point id
/// vectors:  per slot: f32[dimension]
/// payloads: per slot: i32 length (-1: none) ‖ UTF-8 JSON
/// graph:    the HNSW graph (<see cref="HnswIndex.WriteTo"/>), split across pages
/// </code>
/// Items never straddle pages, except the graph's bytes. The link to the previous sealed segment is encrypted and
/// authenticated under this segment's DEK, so a dropped or reordered earlier segment is detected at recovery.
/// </summary>
internal static class SegmentImage
{
    private const int HeaderLength = 16;

    /// <summary>Writes every section of a segment. Caller holds the collection's shared lock.</summary>
    public static void Write(SegmentPageWriter writer, PointSet points, SegmentContent content, ulong previousSegmentId)
    {
        writer.Begin(RecordKind.SegmentPoints);
        var header = writer.Reserve(HeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(header, points.Slots);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], points.Tombstones.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], previousSegmentId);
        Span<byte> id = stackalloc byte[PointId.MaxEncodedLength];
        for (var slot = 0; slot < points.Slots; slot++)
        {
            var length = points.IdAt(slot).WriteTo(id);
            var item = writer.Reserve(1 + length);
            item[0] = points.IsLive(slot) ? (byte)1 : (byte)0;
            id[..length].CopyTo(item[1..]);
        }

        foreach (var tombstone in points.Tombstones)
        {
            var length = tombstone.WriteTo(id);
            id[..length].CopyTo(writer.Reserve(length));
        }

        writer.Begin(RecordKind.SegmentVectors);
        for (var slot = 0; slot < points.Slots; slot++)
        {
            var vector = MemoryMarshal.AsBytes(content.Vectors.Get(slot));
            vector.CopyTo(writer.Reserve(vector.Length));
        }

        writer.Begin(RecordKind.SegmentPayloads);
        for (var slot = 0; slot < points.Slots; slot++)
        {
            var payload = content.PayloadAt(slot);
            var item = writer.Reserve(4 + (payload?.Length ?? 0));
            BinaryPrimitives.WriteInt32LittleEndian(item, payload?.Length ?? -1);
            payload?.CopyTo(item[4..]);
        }

        writer.Begin(RecordKind.SegmentGraph);
        using var graph = new MemoryStream();
        content.Index.WriteTo(graph);
        writer.WriteRaw(graph.GetBuffer().AsSpan(0, (int)graph.Length));
    }

    /// <summary>Reads the points section, page by page, into a point set.</summary>
    public sealed class PointsReader
    {
        private int _slots = -1;
        private int _tombstones;

        public PointSet Points { get; } = new();

        /// <summary>The id of the sealed segment this one follows (0: none).</summary>
        public ulong PreviousSegmentId { get; private set; }

        public void Read(ReadOnlySpan<byte> page)
        {
            if (_slots < 0)
            {
                Check(page.Length >= HeaderLength, "points header");
                _slots = BinaryPrimitives.ReadInt32LittleEndian(page);
                _tombstones = BinaryPrimitives.ReadInt32LittleEndian(page[4..]);
                PreviousSegmentId = BinaryPrimitives.ReadUInt64LittleEndian(page[8..]);
                Check(_slots >= 0 && _tombstones >= 0, "points header");
                page = page[HeaderLength..];
            }

            while (!page.IsEmpty)
            {
                if (Points.Slots < _slots)
                {
                    Check(PointId.TryRead(page[1..], out var id, out var length) && page[0] <= 1, "point id");
                    Points.Add(id, live: page[0] == 1);
                    page = page[(1 + length)..];
                }
                else
                {
                    Check(Points.Tombstones.Count < _tombstones, "tombstone count");
                    Check(PointId.TryRead(page, out var id, out var length), "tombstone");
                    Points.Tombstones.Add(id);
                    page = page[length..];
                }
            }
        }

        /// <summary>The point set; DataLoss unless the pages held exactly what their header promised.</summary>
        public PointSet Finish(int slots, int tombstones)
        {
            Check(_slots == slots && Points.Slots == slots && Points.Tombstones.Count == tombstones && _tombstones == tombstones, "point count");
            return Points;
        }
    }

    /// <summary>Reads the vectors, payloads and graph sections (<paramref name="graphBytes"/> at most; gathered in locked memory) into a segment's content.</summary>
    public sealed class ContentReader(CollectionConfig config, int slots, int graphBytes) : IDisposable
    {
        private readonly VectorStore _vectors = new(config.Dimension, slots);
        private readonly List<byte[]?> _payloads = new(slots);
        private readonly LockedBuffer _graph = LockedBuffer.Allocate(Math.Max(1, graphBytes));
        private int _graphLength;
        private bool _taken;

        public void Read(RecordKind kind, ReadOnlySpan<byte> page)
        {
            switch (kind)
            {
                case RecordKind.SegmentVectors:
                    var floats = MemoryMarshal.Cast<byte, float>(page);
                    Check(page.Length % (config.Dimension * sizeof(float)) == 0, "vector page");
                    for (var at = 0; at < floats.Length; at += config.Dimension)
                    {
                        Check(_vectors.Count < slots, "vector count");
                        _vectors.Add(floats.Slice(at, config.Dimension));
                    }

                    break;
                case RecordKind.SegmentPayloads:
                    while (!page.IsEmpty)
                    {
                        Check(page.Length >= 4 && _payloads.Count < slots, "payload");
                        var length = BinaryPrimitives.ReadInt32LittleEndian(page);
                        Check(length >= -1 && length <= page.Length - 4, "payload length");
                        _payloads.Add(length < 0 ? null : page.Slice(4, length).ToArray());
                        page = page[(4 + Math.Max(0, length))..];
                    }

                    break;
                case RecordKind.SegmentGraph:
                    Check(page.Length <= _graph.Length - _graphLength, "graph length");
                    page.CopyTo(_graph.Span[_graphLength..]);
                    _graphLength += page.Length;
                    break;
            }
        }

        /// <summary>The vectors and payloads, with the graph attached (not rebuilt); DataLoss when anything is missing.</summary>
        public SegmentContent Attach()
        {
            Check(_vectors.Count == slots && _payloads.Count == slots, "slot count");
            HnswIndex index;
            try
            {
                using var graph = _graph.OpenRead(_graphLength);
                index = HnswIndex.Load(graph, _vectors);
            }
            catch (InvalidDataException e)
            {
                throw new VecVaultException(ErrorCode.DataLoss, "its graph does not load", innerException: e);
            }

            Check(index.Count == slots, "graph node count");
            _taken = true;
            return new SegmentContent(config, _vectors, index, _payloads);
        }

        public void Dispose()
        {
            _graph.Dispose();
            if (!_taken)
            {
                _vectors.Dispose();
            }
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"its pages hold a bad {what}");
        }
    }
}

