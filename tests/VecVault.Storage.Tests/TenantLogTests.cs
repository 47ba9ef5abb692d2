using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Ids;
using VecVault.Storage.Log;
using VecVault.Storage.Wal;
using VecVault.TestSupport;

namespace VecVault.Storage.Tests;

public sealed class TenantLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"vecvault-log-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Acknowledged_records_are_recovered_in_order_after_reopening()
    {
        await using (var log = TenantLog.Open(_directory, new TenantLogOptions(), NullLogger.Instance))
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => log.AppendAsync(BitConverter.GetBytes(i))));
            await log.AppendAsync([[1, 2, 3], [4, 5]]);
        }

        await using var reopened = TenantLog.Open(_directory, new TenantLogOptions(), NullLogger.Instance);
        var records = reopened.ReadAll().Select(r => r.Bytes).ToList();

        Assert.Equal(202, records.Count);
        Assert.Equal(Enumerable.Range(0, 200).ToHashSet(), records.Take(200).Select(r => BitConverter.ToInt32(r)).ToHashSet());
        Assert.Equal([4, 5], records[^1]);
    }

    [Fact]
    public async Task An_acknowledged_record_is_on_disk_before_the_log_is_closed()
    {
        var log = TenantLog.Open(_directory, new TenantLogOptions(), NullLogger.Instance);
        await log.AppendAsync("durable"u8.ToArray());

        // A crash: the files as they are now, without the orderly close that commits.
        var copy = _directory + "-crash";
        CrashSnapshot.Copy(_directory, copy);
        await log.DisposeAsync();
        try
        {
            await using var recovered = TenantLog.Open(copy, new TenantLogOptions(), NullLogger.Instance);
            Assert.Equal("durable"u8.ToArray(), recovered.ReadAll().Single().Bytes);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Wal_batches_round_trip_and_split_at_the_record_limit()
    {
        var ops = Enumerable.Range(0, 100)
            .Select(i => i % 10 == 0 ? WalOp.Delete(PointId.FromNumber((ulong)i))
                : WalOp.Upsert(PointId.FromUuid(Guid.NewGuid()), new float[64], "{\"a\":1}"u8.ToArray()))
            .ToList();

        var batches = WalBatch.EncodeChunked(ops, maxBytes: 4096);
        var decoded = batches.SelectMany(b => WalBatch.Decode(b)).ToList();

        Assert.True(batches.Count > 1);
        Assert.All(batches, b => Assert.True(b.Length <= 4096));
        Assert.Equal(ops.Select(o => (o.Id, o.IsDelete, o.Vector.Length, o.Payload.Length)), decoded.Select(o => (o.Id, o.IsDelete, o.Vector.Length, o.Payload.Length)));
    }
}
