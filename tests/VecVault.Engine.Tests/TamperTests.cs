using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Pages;
using VecVault.Crypto.Pkcs11;
using VecVault.Storage.Log;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>
/// Threat rows 1 and 2: a sealed segment's stored records are altered on disk (bit flips, truncation, a zeroed page,
/// whole records swapped between segments and between tenants' logs), the server is started on the result and
/// queried. Every case must be detected (the tenant or collection denied with DATA_LOSS), and no query may ever
/// return data other than what was written.
/// </summary>
public sealed class TamperTests : IAsyncLifetime
{
    private const int Points = 40;
    private static readonly TenantId Acme = TenantId.Parse("acme");
    private static readonly TenantId Bolt = TenantId.Parse("bolt");
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vecvault-tamper-{Guid.NewGuid():N}");
    private readonly ITestOutputHelper _output;
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KekService _hsm;
    private readonly AuditLog _audit;
    private readonly Dictionary<TenantId, Dictionary<PointId, float[]>> _written = [];

    public TamperTests(ITestOutputHelper output)
    {
        _output = output;
        SoftHsm.EnsureInitialised();
        _token = SoftHsm.CreateToken();
        _token.CreateAesKey("kek-a", "01");
        _token.CreateAesKey("kek-b", "02");
        _audit = new AuditLog(_data + "-audit.log", TimeProvider.System);
        _hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => _token.Pin }, NullLogger<Pkcs11KekService>.Instance);
    }

    public async Task InitializeAsync()
    {
        await using var engine = Open(_data);
        var random = new Random(5);
        foreach (var (tenant, kek) in new[] { (Acme, "kek-a"), (Bolt, "kek-b") })
        {
            await engine.CreateTenantAsync(new TenantSpec(tenant, new KekReference(KeyModel.AesGcm, _token.Label, kek), OutagePolicy.FailClosed, TimeSpan.Zero), default);
            await engine.CreateCollectionAsync(tenant, "c", new CollectionConfig(8, Metric.L2), default);
            _written[tenant] = [];

            // Two sealed segments of the same shape, so their records have the same sizes and can be swapped.
            for (var segment = 0; segment < 2; segment++)
            {
                var points = Enumerable.Range(segment * Points, Points).Select(i => new Point(
                    PointId.FromNumber((ulong)i),
                    Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble()).ToArray(),
                    new JsonObject { ["i"] = i })).ToList();
                await engine.UpsertAsync(tenant, "c", points, default);
                await engine.SealAsync(tenant, "c", default);
                points.ForEach(p => _written[tenant][p.Id] = p.Vector.ToArray());
            }
        }
    }

    public Task DisposeAsync()
    {
        _audit.Dispose();
        File.Delete(_audit.Path);
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_alteration_of_a_sealed_segment_is_detected_and_no_query_returns_wrong_data()
    {
        var acme = Records(Acme);
        var bolt = Records(Bolt);
        var first = acme.Where(r => r.Header.SegmentId == acme.First(s => s.Header.Kind == RecordKind.SegmentSealed).Header.SegmentId).ToList();
        var second = acme.Where(r => r.Header.SegmentId == acme.Last(s => s.Header.Kind == RecordKind.SegmentSealed).Header.SegmentId).ToList();
        var log = LogFile(Acme);
        var original = File.ReadAllBytes(log);
        var cases = new List<(string Name, Action<byte[]> Alter)>();

        // Bit flips: every byte of every record header and tag, and every 5th byte of the rest (a bounded sample).
        foreach (var record in first)
        {
            for (var i = 0; i < record.Length; i++)
            {
                if (i < RecordHeader.Size || i >= record.Length - PageCipher.TagLength || i % 5 == 0)
                {
                    var at = record.Offset + i;
                    var bit = i % 8;
                    cases.Add(($"flip bit {bit} of byte {i} of the {record.Header.Kind} record", file => file[at] ^= (byte)(1 << bit)));
                }
            }
        }

        // A zeroed page, and each page swapped with its twin in the other segment and in the other tenant's log.
        foreach (var page in first.Where(r => r.Header.Kind != RecordKind.SegmentSealed))
        {
            cases.Add(($"zero the {page.Header.Kind} page", file => Array.Clear(file, page.Offset, page.Length)));
            var twin = second.Single(r => r.Header.Kind == page.Header.Kind);
            if (twin.Length == page.Length)
            {
                cases.Add(($"swap the {page.Header.Kind} pages of two segments", file => Swap(file, page, file, twin)));
            }

            var foreign = bolt.First(r => r.Header.Kind == page.Header.Kind);
            var boltFile = File.ReadAllBytes(LogFile(Bolt));
            if (foreign.Length == page.Length)
            {
                cases.Add(($"put bolt's {page.Header.Kind} page in acme's log", file => Array.Copy(boltFile, foreign.Offset, file, page.Offset, page.Length)));
            }
        }

        // Truncation: the log cut short inside each record (zeros from there to the end of the file).
        foreach (var record in first)
        {
            var at = record.Offset + (record.Length / 2);
            cases.Add(($"cut the log short (zeros to its end) inside the {record.Header.Kind} record", file => Array.Clear(file, at, file.Length - at)));
        }

        // The two segments' descriptors swapped: each then names the other's pages and key.
        var descriptors = (first.Single(r => r.Header.Kind == RecordKind.SegmentSealed), second.Single(r => r.Header.Kind == RecordKind.SegmentSealed));
        if (descriptors.Item1.Length == descriptors.Item2.Length)
        {
            cases.Add(("swap the descriptors of two segments", file => Swap(file, descriptors.Item1, file, descriptors.Item2)));
        }

        var detected = 0;
        foreach (var (name, alter) in cases)
        {
            var copy = original.ToArray();
            alter(copy);
            File.WriteAllBytes(log, copy);
            if (await IsDetectedAsync(name))
            {
                detected++;
            }
            else
            {
                _output.WriteLine($"not detected: {name}");
            }
        }

        // A record of the segment, or of the other tenant's log, appended again (a replay), each as a valid log entry.
        File.WriteAllBytes(log, original);
        var directory = Path.GetDirectoryName(log)!;
        var pristine = $"{directory}-pristine";
        CrashSnapshot.Copy(directory, pristine);
        foreach (var record in first.Concat([bolt[0]]))
        {
            Directory.Delete(directory, recursive: true);
            CrashSnapshot.Copy(pristine, directory);
            var bytes = (record == bolt[0] ? File.ReadAllBytes(LogFile(Bolt)) : original).AsSpan(record.Offset, record.Length).ToArray();
            await using (var append = TenantLog.Open(directory, new TenantLogOptions(), NullLogger.Instance))
            {
                await append.AppendAsync(bytes);
            }

            cases.Add(($"append a copy of {(record == bolt[0] ? "bolt's" : "the")} {record.Header.Kind} record", _ => { }));
            if (await IsDetectedAsync(cases[^1].Name))
            {
                detected++;
            }
            else
            {
                _output.WriteLine($"not detected: {cases[^1].Name}");
            }
        }

        Directory.Delete(directory, recursive: true);
        CrashSnapshot.Copy(pristine, directory);
        Directory.Delete(pristine, recursive: true);
        _output.WriteLine($"detected {detected} of {cases.Count}");
        Assert.Equal(cases.Count, detected);
        Assert.True(await QueriesMatchAsync(), "the restored log serves everything");
    }

    /// <summary>Starts the engine on the altered data and queries acme: detected when a request is denied with DataLoss.</summary>
    private async Task<bool> IsDetectedAsync(string name)
    {
        try
        {
            return !await QueriesMatchAsync();
        }
        catch (VecVaultException e) when (e.Code == ErrorCode.DataLoss)
        {
            return true;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>Every acme point is read back exactly; throws when the engine denies a request.</summary>
    private async Task<bool> QueriesMatchAsync()
    {
        await using var engine = Open(_data);
        var ids = _written[Acme].Keys.ToList();
        var points = engine.Get(Acme, "c", ids, withPayload: true, withVectors: true);
        var search = engine.Search(Acme, "c", new SearchQuery(_written[Acme][ids[3]], 5, false, false) { Exact = true });

        // Wrong data is never acceptable: anything returned must be what was written.
        Assert.All(points, p => Assert.Equal(_written[Acme][p.Id], p.Vector.ToArray()));
        Assert.All(search, hit => Assert.Contains(hit.Id, ids));
        Assert.Equal(ids[3], search[0].Id);
        Assert.Equal(_written[Bolt].Count, engine.Count(Bolt, "c"));
        return points.Count == ids.Count;
    }

    private static void Swap(byte[] file, StoredRecord a, byte[] other, StoredRecord b)
    {
        var copy = file.AsSpan(a.Offset, a.Length).ToArray();
        Array.Copy(other, b.Offset, file, a.Offset, a.Length);
        copy.CopyTo(other, b.Offset);
    }

    /// <summary>The sealed segments' records of a tenant's log, with their offsets in the log file.</summary>
    private List<StoredRecord> Records(TenantId tenant)
    {
        var file = File.ReadAllBytes(LogFile(tenant));
        var log = TenantLog.Open(Path.Combine(_data, "tenants", tenant.Value), new TenantLogOptions(), NullLogger.Instance);
        try
        {
            return [.. log.ReadAll()
                .Select(r => (Record: r, Ok: RecordHeader.TryRead(r.Bytes, out var header), Header: header))
                .Where(r => r.Ok && r.Header.Kind is RecordKind.SegmentSealed or RecordKind.SegmentPoints or RecordKind.SegmentVectors or RecordKind.SegmentPayloads or RecordKind.SegmentGraph)
                .Select(r => new StoredRecord(r.Header, file.AsSpan().IndexOf(r.Record.Bytes), r.Record.Bytes.Length))];
        }
        finally
        {
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private string LogFile(TenantId tenant) => Path.Combine(_data, "tenants", tenant.Value, "log.0");

    private VaultEngine Open(string data) =>
        VaultEngine.Open(new EngineOptions { DataDirectory = data, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero }, _hsm, _audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);

    private sealed record StoredRecord(RecordHeader Header, int Offset, int Length);
}
