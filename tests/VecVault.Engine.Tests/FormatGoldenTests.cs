using System.Text.Json.Nodes;
using VecVault.Core.Collections;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Collections;
using VecVault.Index.Hnsw;
using VecVault.Memory.Locked;
using VecVault.Storage.Records;
using VecVault.Storage.Wal;

namespace VecVault.Engine.Tests;

/// <summary>
/// Format version 1 is frozen by golden files (docs/format.md): records encoded today from fixed inputs (a fixed DEK,
/// nonce prefix, ids and content) must equal the files byte for byte, and the files must decode to those inputs. A
/// format change needs a new version and new files; an edited golden file is a broken promise to every stored log.
/// Run with VECVAULT_WRITE_GOLDEN=1 only to create files of a new version.
/// </summary>
public sealed class FormatGoldenTests
{
    private static readonly TenantId Tenant = TenantId.Parse("acme");
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Golden", "v1");

    [Fact]
    public void A_record_header_is_frozen() =>
        Golden("record-header", Header(new RecordHeader(RecordKind.WalBatch, 3, 7, 42)));

    [Fact]
    public void A_dek_context_is_frozen() =>
        Golden("dek-context", DekContext.Encode(Tenant, 3, 7, Bytes(16, 0xD0), new KekReference(KeyModel.AesGcm, "token", "kek", "01"), 2, DekContext.CollectionDigest(3, "c", 4, "L2")));

    [Fact]
    public void A_wal_batch_record_is_frozen_and_opens_to_its_ops()
    {
        using var key = Key();
        var ops = new List<WalOp>
        {
            WalOp.Upsert(PointId.FromNumber(1), new float[] { 1, 2, 3, 4 }, "{\"a\":1}"u8.ToArray()),
            WalOp.Upsert(PointId.FromUuid(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")), new float[] { -1, 0.5f, 0, 9 }, ReadOnlyMemory<byte>.Empty),
            WalOp.Delete(PointId.FromNumber(9)),
        };
        var record = PageCipher.Seal(key, Tenant, new RecordHeader(RecordKind.WalBatch, 3, 7, 1), WalBatch.EncodeChunked(ops, 4096).Single());
        var golden = Golden("wal-batch", record);

        var plaintext = new byte[golden.Length - PageCipher.Overhead];
        PageCipher.Open(key, Tenant, golden, plaintext);
        var decoded = WalBatch.Decode(plaintext);
        Assert.Equal(ops.Select(o => (o.Id, o.IsDelete, string.Join(",", o.Vector.ToArray()))), decoded.Select(o => (o.Id, o.IsDelete, string.Join(",", o.Vector.ToArray()))));
    }

    [Fact]
    public void A_sealed_segment_is_frozen_and_its_golden_pages_load()
    {
        var config = new CollectionConfig(4, Metric.L2) { Hnsw = new HnswConfig(4, 16, 16) };
        using var key = Key();
        var points = new PointSet();
        var vectors = new Index.Vectors.VectorStore(4);
        var index = new HnswIndex(vectors, Metric.L2, new HnswOptions { M = 4, EfConstruction = 16, EfSearch = 16, Seed = 1 });
        using var content = new SegmentContent(config, vectors, index, []);
        for (var i = 0; i < 6; i++)
        {
            content.Add([i, i * 2, -i, 1], i % 2 == 0 ? System.Text.Encoding.UTF8.GetBytes($"{{\"i\":{i}}}") : null);
            points.Add(PointId.FromNumber((ulong)(10 + i)), live: i != 4);
        }

        content.IndexNewPoints();
        points.Tombstones.Add(PointId.FromNumber(99));
        using var writer = new SegmentPageWriter(key, Tenant, 3, 8, 1 << 20);
        SegmentImage.Write(writer, points, content, previousSegmentId: 5);
        var (records, pages, hash) = writer.Finish();
        var descriptor = new SealedSegmentRecord(new SegmentRecord(3, 8, key.Id, key.NoncePrefix, Bytes(40, 0xAB), 1), 4, 6, 5, 1, pages, hash);
        records.Add(RecordCodec.Encode(new RecordHeader(RecordKind.SegmentSealed, 3, 8, 0), descriptor));
        var golden = records.Select((r, i) => Golden($"sealed-segment-{i}", r)).ToList();

        // The golden records decode with today's code: descriptor, points, vectors, payloads and the graph.
        var stored = SealedSegmentRecord.Decode(new RecordHeader(RecordKind.SegmentSealed, 3, 8, 0), golden[^1]);
        SegmentPageReader.CheckPages(stored, golden[..^1]);
        using var reader = new SegmentPageReader(key, Tenant, stored, 1 << 20);
        var pointsReader = new SegmentImage.PointsReader();
        pointsReader.Read(reader.Open(golden[0], 1));
        var read = pointsReader.Finish(6, 1);
        Assert.Equal(new ulong[] { 10, 11, 12, 13, 15 }, read.Live.Select(e => e.Key.Number).Order());
        Assert.Equal(PointId.FromNumber(99), read.Tombstones.Single());
        Assert.Equal(5ul, pointsReader.PreviousSegmentId);
        using var contentReader = new SegmentImage.ContentReader(config, 6, golden[(stored.Pages.Total - stored.Pages.Graph)..stored.Pages.Total].Sum(r => r.Length));
        for (var sequence = 2ul; sequence <= (ulong)stored.Pages.Total; sequence++)
        {
            contentReader.Read(SegmentPageReader.KindAt(stored.Pages, sequence), reader.Open(golden[(int)sequence - 1], sequence));
        }

        using var loaded = contentReader.Attach();
        Assert.Equal(new float[] { 3, 6, -3, 1 }, loaded.Vectors.Get(3).ToArray());
        Assert.Equal(2, JsonNode.Parse(loaded.PayloadAt(2)!)!["i"]!.GetValue<int>());
        Assert.Null(loaded.PayloadAt(1));
        var found = new Neighbor[1];
        loaded.Index.Search([5, 10, -5, 1], 1, 16, null, found);
        Assert.Equal(5, found[0].Node);
    }

    private static DataKey Key() => new(LockedBuffer.CopyOf(Bytes(32, 0x11)), Bytes(16, 0x22), 0x01020304);

    private static byte[] Bytes(int length, byte first) => [.. Enumerable.Range(0, length).Select(i => (byte)(first + i))];

    private static byte[] Header(RecordHeader header)
    {
        var bytes = new byte[RecordHeader.Size];
        header.WriteTo(bytes);
        return bytes;
    }

    /// <summary>Asserts <paramref name="encoded"/> equals the golden file <paramref name="name"/> and returns the file's bytes.</summary>
    private static byte[] Golden(string name, byte[] encoded)
    {
        var source = Path.Combine(SourceDirectory(), $"{name}.hex");
        if (Environment.GetEnvironmentVariable("VECVAULT_WRITE_GOLDEN") == "1" && !File.Exists(source))
        {
            File.WriteAllText(source, Convert.ToHexStringLower(encoded) + "\n");
        }

        var path = Path.Combine(Directory, $"{name}.hex");
        Assert.True(File.Exists(path), $"golden file {name}.hex of format 1 is missing");
        var golden = Convert.FromHexString(File.ReadAllText(path).Trim());
        Assert.Equal(Convert.ToHexStringLower(golden), Convert.ToHexStringLower(encoded));
        return golden;
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.Combine(Path.GetDirectoryName(file)!, "Golden", "v1");
}
