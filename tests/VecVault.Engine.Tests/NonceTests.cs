using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Collections;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Pages;
using VecVault.Crypto.Pkcs11;
using VecVault.Storage.Log;
using VecVault.Storage.Records;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>
/// Threat row 4: no (DEK, nonce) pair ever encrypts two different records. Concurrent writers into two collections
/// with small segments (so seals run all the time) go through 100 crashes: the data directory is copied as it is on
/// disk mid-write, and the next cycle recovers from that copy and writes on. Every encrypted record of every log
/// seen is collected with the DEK and nonce it was sealed under.
/// </summary>
public sealed class NonceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"vecvault-nonce-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task No_dek_and_nonce_pair_encrypts_two_records_over_concurrent_writers_and_100_crashes()
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("kek", "01");
        using var audit = new AuditLog(Path.Combine(_root, "audit.log"), TimeProvider.System);
        var hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => token.Pin }, NullLogger<Pkcs11KekService>.Instance);
        var tenant = TenantId.Parse("acme");
        var data = Path.Combine(_root, "data-0");
        await using (var engine = Open(data))
        {
            await engine.CreateTenantAsync(new TenantSpec(tenant, new KekReference(KeyModel.AesGcm, token.Label, "kek"), OutagePolicy.FailClosed, TimeSpan.Zero), default);
            foreach (var name in new[] { "a", "b" })
            {
                await engine.CreateCollectionAsync(tenant, name, new CollectionConfig(8, Metric.L2) { SegmentMaxPoints = 30 }, default);
            }
        }

        var seen = new Dictionary<(string Dek, uint Prefix, ulong Sequence), string>();
        var (records, duplicates) = (0, 0);
        var random = new Random(17);
        for (var cycle = 1; cycle <= 100; cycle++)
        {
            var crash = Path.Combine(_root, $"data-{cycle}");
            await using (var engine = Open(data))
            {
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
                {
                    var next = (cycle * 10_000) + (w * 1000);
                    while (!stop.IsCancellationRequested)
                    {
                        var points = Enumerable.Range(next, 5).Select(i => new Point(PointId.FromNumber((ulong)i), new float[] { i, w, 1, 2, 3, 4, 5, 6 }, null)).ToList();
                        next += 5;
                        await engine.UpsertAsync(tenant, w % 2 == 0 ? "a" : "b", points, default);
                    }
                })).ToList();

                await Task.Delay(random.Next(5, 40));
                CrashSnapshot.Copy(data, crash);
                stop.Cancel();
                await Task.WhenAll(writers);
            }

            foreach (var (key, record) in Encrypted(Path.Combine(crash, "tenants", "acme")))
            {
                var digest = Convert.ToHexString(SHA256.HashData(record));
                if (seen.TryGetValue(key, out var earlier))
                {
                    duplicates += earlier == digest ? 0 : 1;
                    continue;
                }

                seen[key] = digest;
                records++;
            }

            Directory.Delete(data, recursive: true);
            data = crash;
        }

        output.WriteLine($"100 crashes, 3 concurrent writers: {records} distinct encrypted records under {seen.Keys.Select(k => k.Dek).Distinct().Count()} DEKs; (DEK, nonce) pairs reused: {duplicates}");
        Assert.Equal(0, duplicates);
        Assert.True(seen.Keys.Any(k => k.Sequence > 1), "records share DEKs, so nonces were really compared");

        VaultEngine Open(string directory) =>
            VaultEngine.Open(new EngineOptions { DataDirectory = directory, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero }, hsm, audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);
    }

    /// <summary>Every encrypted record of a tenant's log with the DEK (id), nonce prefix and sequence number that sealed it.</summary>
    private static List<((string Dek, uint Prefix, ulong Sequence) Key, byte[] Record)> Encrypted(string directory)
    {
        var log = TenantLog.Open(directory, new TenantLogOptions(), NullLogger.Instance);
        try
        {
            var all = log.ReadAll().Select(r => (Ok: RecordHeader.TryRead(r.Bytes, out var header), Header: header, r.Bytes)).Where(r => r.Ok).ToList();
            var keys = new Dictionary<(ulong, ulong), SegmentRecord>();
            foreach (var (_, header, bytes) in all)
            {
                if (header.Kind == RecordKind.SegmentOpened)
                {
                    keys[(header.CollectionId, header.SegmentId)] = RecordCodec.Decode<SegmentRecord>(bytes);
                }
                else if (header.Kind == RecordKind.SegmentSealed)
                {
                    keys[(header.CollectionId, header.SegmentId)] = SealedSegmentRecord.Decode(header, bytes).Key;
                }
            }

            // Pages of a seal a crash cut short have no descriptor: their DEK is unknown (and never used again).
            return [.. all.Where(r => (byte)r.Header.Kind >= (byte)RecordKind.WalBatch && keys.ContainsKey((r.Header.CollectionId, r.Header.SegmentId)))
                .Select(r =>
                {
                    var key = keys[(r.Header.CollectionId, r.Header.SegmentId)];
                    return ((Convert.ToHexString(key.DekId), key.NoncePrefix, r.Header.Sequence), r.Bytes);
                })];
        }
        finally
        {
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
