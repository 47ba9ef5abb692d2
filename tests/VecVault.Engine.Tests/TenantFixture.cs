using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Collections;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pkcs11;
using VecVault.Memory.Locked;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>
/// An engine over a real SoftHSM2 token with tenant acme bound to AES KEK kek-1, and two collections (a: l2, b: cosine)
/// of 300 points each written over three runs, so each has three segments.
/// </summary>
public abstract partial class TenantFixture : IAsyncLifetime
{
    protected static readonly TenantId Acme = TenantId.Parse("acme");
    protected readonly string _data = Path.Combine(Path.GetTempPath(), $"vecvault-tenant-{Guid.NewGuid():N}");
    protected readonly ITestOutputHelper _output;
    protected readonly SoftHsmToken _token;
    protected readonly Pkcs11KekService _hsm;
    protected readonly AuditLog _audit;
    protected readonly KekReference _first;
    protected readonly List<string> _crashes = [];
    protected VaultEngine _engine = null!;

    protected string TenantDirectory => Path.Combine(_data, "tenants", "acme");

    protected TenantFixture(ITestOutputHelper output)
    {
        _output = output;
        SoftHsm.EnsureInitialised();
        _token = SoftHsm.CreateToken();
        _token.CreateAesKey("kek-1", "01");
        _first = new KekReference(KeyModel.AesGcm, _token.Label, "kek-1");
        _audit = new AuditLog(_data + "-audit.log", TimeProvider.System);
        _hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => _token.Pin }, NullLogger<Pkcs11KekService>.Instance);
    }

    public async Task InitializeAsync()
    {
        _engine = Open(_data, _hsm);
        await _engine.CreateTenantAsync(new TenantSpec(Acme, _first, OutagePolicy.ServeWarm, TimeSpan.FromMinutes(1)), default);
        await _engine.CreateCollectionAsync(Acme, "a", new CollectionConfig(4, Metric.L2), default);
        await _engine.CreateCollectionAsync(Acme, "b", new CollectionConfig(4, Metric.Cosine), default);

        // Three runs, so each collection has three segments (each run writes to a fresh one).
        for (var run = 0; run < 3; run++)
        {
            await WriteAsync(_engine, run * 100, 100);
            await RestartAsync();
        }
    }

    public virtual async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _audit.Dispose();
        Assert.True(AuditLog.Verify(_audit.Path).Valid);
        File.Delete(_audit.Path);
        Directory.Delete(_data, recursive: true);
        foreach (var crash in _crashes.Where(Directory.Exists))
        {
            Directory.Delete(crash, recursive: true);
        }
    }

    protected VaultEngine Open(string data, IKekService keys) =>
        VaultEngine.Open(new EngineOptions { DataDirectory = data, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero }, keys, _audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);

    protected async Task RestartAsync()
    {
        await _engine.DisposeAsync();
        _engine = Open(_data, _hsm);
    }

    protected static async Task WriteAsync(VaultEngine engine, int first, int count)
    {
        foreach (var collection in new[] { "a", "b" })
        {
            var points = Enumerable.Range(first, count)
                .Select(i => new Point(PointId.FromNumber((ulong)i), new float[] { i, i % 7, 1, -i }, null))
                .ToList();
            await engine.UpsertAsync(Acme, collection, points, default);
        }
    }

    /// <summary>Every point of both collections, as a comparable string.</summary>
    protected static string Snapshot(VaultEngine engine) => string.Join("\n", new[] { "a", "b" }.Select(collection =>
    {
        var (points, _) = engine.Scroll(Acme, collection, null, 10_000, withPayload: false, withVectors: true);
        return $"{collection}: " + string.Join(";", points.Select(p => $"{p.Id}={string.Join(",", p.Vector.ToArray())}"));
    }));

    /// <summary>The DEK ids of every segment descriptor in a tenant's log (catalog records are JSON; byte arrays are base64).</summary>
    protected static HashSet<string> DekIdsIn(string tenantDirectory) =>
        [.. DekId().Matches(Encoding.Latin1.GetString(File.ReadAllBytes(LogFile(tenantDirectory)))).Select(m => m.Groups[1].Value)];

    protected static string LogFile(string tenantDirectory) => Directory.EnumerateFiles(tenantDirectory, "log.*").Single();

    protected static long BytesIn(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    [GeneratedRegex("\"dek_id\":\"([A-Za-z0-9+/=]+)\"")]
    private static partial Regex DekId();

    /// <summary>Copies <paramref name="source"/> as a crash would leave it, into a fresh directory deleted at disposal.</summary>
    protected string CrashCopy(string source)
    {
        var copy = $"{_data}-crash-{_crashes.Count}";
        CrashSnapshot.Copy(source, copy);
        _crashes.Add(copy);
        return copy;
    }

    /// <summary>Runs <paramref name="crash"/> at every wrap and check under <paramref name="newKek"/>, then lets the real HSM answer.</summary>
    protected sealed class CrashingKeys(IKekService inner, KekReference newKek, Action crash) : IKekService
    {
        public byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
        {
            if (kek == newKek)
            {
                crash();
            }

            return inner.Wrap(kek, dek, context);
        }

        public LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context) => inner.Unwrap(kek, wrapped, context);

        public void Check(KekReference kek)
        {
            if (kek == newKek)
            {
                crash();
            }

            inner.Check(kek);
        }

        public int Destroy(KekReference kek) => inner.Destroy(kek);
    }
}
