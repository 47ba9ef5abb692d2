using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Crypto.Pkcs11;
using VecVault.Protocol.V1;
using VecVault.Storage.Log;
using VecVault.Storage.Records;
using VecVault.TestSupport;
using Xunit.Abstractions;
using Points = VecVault.Client.Points;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat row 9: a core dump (gcore) of a freshly restarted server whose data was loaded by searches that return no
/// vectors holds none of the stored vectors and none of the DEKs; the plaintext regions are locked and don't-dump.
/// </summary>
public sealed class MemoryDumpTests(ITestOutputHelper output) : IDisposable
{
    private const int Dimension = 64;
    private const int Count = 300;
    private const float Base = 7777f;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"vecvault-dump-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_core_dump_of_a_restarted_server_holds_no_stored_vector_and_no_dek()
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("dump-kek");
        var data = Path.Combine(_root, "data");
        var pinFile = Path.Combine(_root, "pin");
        Directory.CreateDirectory(data);
        File.WriteAllText(pinFile, token.Pin);

        // The canaries: vector i holds Base + i*64 .. Base + i*64 + 63, a run no other memory holds by chance.
        var vectors = Enumerable.Range(0, Count).Select(i => Enumerable.Range(0, Dimension).Select(j => Base + (i * Dimension) + j).ToArray()).ToList();
        int controlHits;
        using (var first = await ServerProcess.StartAsync(data, pinFile))
        {
            using var admin = new VecVault.Client.VecVaultClient(first.Address, File.ReadAllText(Path.Combine(data, "admin.key")).Trim());
            await admin.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "dump", Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = token.Label, KeyLabel = "dump-kek" } });
            var key = (await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = "dump" })).ApiKey;
            using var tenant = new VecVault.Client.VecVaultClient(first.Address, key);
            await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2 } });
            await tenant.UpsertManyAsync("c", vectors.Select((v, i) => Points.Create((ulong)i, v)));

            // Control: the process that received the vectors over gRPC still has request copies in its managed heap.
            controlHits = CountCanaryRuns(Dump(first.Pid, "control"));
            output.WriteLine($"control dump (the process that served the upserts): {controlHits} canary vectors found");
            File.WriteAllText(Path.Combine(_root, "tenant.key"), key);
            first.Kill();
        }

        Assert.True(controlHits > 0, "the scan finds canary vectors where they are in plain memory");

        string dump;
        long lockedDontDump;
        using (var second = await ServerProcess.StartAsync(data, pinFile))
        {
            using var tenant = new VecVault.Client.VecVaultClient(second.Address, File.ReadAllText(Path.Combine(_root, "tenant.key")));
            for (var q = 0; q < 5; q++)
            {
                var response = await tenant.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 10, Vector = Points.Vector(Enumerable.Repeat(q * 1000f, Dimension).ToArray()) });
                Assert.Equal(10, response.Results.Count);
            }

            lockedDontDump = LockedDontDumpBytes(second.Pid);
            dump = Dump(second.Pid, "restarted");
            second.Kill();
        }

        var hits = CountCanaryRuns(dump);
        var deks = UnwrapDeks(data, token);
        var dekHits = deks.Count(dek => Contains(dump, dek));
        output.WriteLine($"restarted server: dump {new FileInfo(dump).Length / (1 << 20)} MiB; canary vectors found: {hits} of {Count}; DEKs found: {dekHits} of {deks.Count}; locked+dontdump: {lockedDontDump / 1024} KiB");

        Assert.Equal(0, hits);
        Assert.NotEmpty(deks);
        Assert.Equal(0, dekHits);
        Assert.True(lockedDontDump >= Count * Dimension * sizeof(float), $"plaintext regions are locked and don't-dump ({lockedDontDump} bytes)");
    }

    private string Dump(int pid, string name)
    {
        var prefix = Path.Combine(_root, name);
        var timer = Stopwatch.StartNew();
        ExternalTool.Run("/usr/bin/gcore", ["-o", prefix, pid.ToString(CultureInfo.InvariantCulture)]);
        output.WriteLine($"gcore of {name} took {timer.Elapsed.TotalSeconds:F1} s");
        return $"{prefix}.{pid}";
    }

    /// <summary>Counts the canary vectors whose first 8 floats appear in order, 4-byte aligned (memory holds floats aligned).</summary>
    private static int CountCanaryRuns(string path)
    {
        var found = new HashSet<int>();
        using var file = File.OpenRead(path);
        var buffer = new byte[64 << 20];
        var carry = 0;
        int read;
        while ((read = file.Read(buffer, carry, buffer.Length - carry)) > 0)
        {
            var length = (carry + read) & ~3;
            var floats = MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, length));
            for (var i = 0; i + 8 <= floats.Length; i++)
            {
                var v = floats[i];
                if (v < Base || v >= Base + (Count * Dimension) || (v - Base) % Dimension != 0)
                {
                    continue;
                }

                var run = true;
                for (var k = 1; k < 8 && run; k++)
                {
                    run = floats[i + k] == v + k;
                }

                if (run)
                {
                    found.Add((int)((v - Base) / Dimension));
                }
            }

            // Keep the last 7 floats (and any unaligned tail) for a run that crosses the chunk boundary.
            var keep = Math.Min(length, 28) + (carry + read - length);
            Array.Copy(buffer, carry + read - keep, buffer, 0, keep);
            carry = keep;
        }

        return found.Count;
    }

    private static bool Contains(string path, byte[] pattern)
    {
        using var file = File.OpenRead(path);
        var buffer = new byte[64 << 20];
        var carry = 0;
        int read;
        while ((read = file.Read(buffer, carry, buffer.Length - carry)) > 0)
        {
            if (buffer.AsSpan(0, carry + read).IndexOf(pattern) >= 0)
            {
                return true;
            }

            var keep = Math.Min(carry + read, pattern.Length - 1);
            Array.Copy(buffer, carry + read - keep, buffer, 0, keep);
            carry = keep;
        }

        return false;
    }

    /// <summary>The DEKs of the tenant's segments, unwrapped here through the HSM from the descriptors in its log.</summary>
    private static List<byte[]> UnwrapDeks(string data, SoftHsmToken token)
    {
        var keys = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => token.Pin }, NullLogger<Pkcs11KekService>.Instance);
        var kek = new Core.Keys.KekReference(Core.Keys.KeyModel.AesGcm, token.Label, "dump-kek");
        var log = TenantLog.Open(Path.Combine(data, "tenants", "dump"), new TenantLogOptions(), NullLogger.Instance);
        try
        {
            var records = log.ReadAll().ToList();
            var collection = records.Where(r => RecordHeader.TryRead(r.Bytes, out var h) && h.Kind == RecordKind.CollectionCreated)
                .Select(r => RecordCodec.Decode<CollectionRecord>(r.Bytes)).Single();
            var digest = DekContext.CollectionDigest(collection.CollectionId, collection.Name, collection.Dimension, collection.Metric.ToString());
            return [.. records
                .Where(r => RecordHeader.TryRead(r.Bytes, out var h) && h.Kind == RecordKind.SegmentOpened)
                .Select(r => RecordCodec.Decode<SegmentRecord>(r.Bytes))
                .Select(s =>
                {
                    var context = DekContext.Encode(TenantId.Parse("dump"), s.CollectionId, s.SegmentId, s.DekId, kek, s.KekVersion, digest);
                    using var dek = keys.Unwrap(kek, s.WrappedDek, context);
                    return dek.Span.ToArray();
                })];
        }
        finally
        {
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Bytes of the process's mappings that are both locked (lo) and don't-dump (dd), from /proc/PID/smaps.</summary>
    private static long LockedDontDumpBytes(int pid)
    {
        long total = 0, size = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (line.StartsWith("Size:", StringComparison.Ordinal))
            {
                size = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            else if (line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                var flags = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (flags.Contains("lo") && flags.Contains("dd"))
                {
                    total += size;
                }
            }
        }

        return total;
    }
}
