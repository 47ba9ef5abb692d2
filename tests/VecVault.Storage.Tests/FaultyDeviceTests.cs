using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Errors;
using VecVault.Storage.Log;

namespace VecVault.Storage.Tests;

/// <summary>
/// Threat row 14: a device under the log that fails writes (a full or failing disk). No append is acknowledged past
/// a failed write, each failure is a clear error, and once the device works again the log writes on, with exactly
/// the acknowledged records recovered after a restart.
/// </summary>
public sealed class FaultyDeviceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"vecvault-faulty-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Writes_are_never_acknowledged_past_a_failed_write_and_resume_when_the_device_recovers()
    {
        var disk = new DiskFault();
        var options = new TenantLogOptions { DeviceDecorator = inner => new FaultyDevice(inner, disk) };
        var acknowledged = new List<int>();
        var refused = 0;
        var log = TenantLog.Open(_directory, options, NullLogger.Instance);
        var random = new Random(3);
        for (var round = 0; round < 6; round++)
        {
            // Concurrent writers; on every other round the disk fails after half of them are acknowledged.
            var fail = round % 2 == 1;
            var appends = Enumerable.Range(round * 100, 50).Select(Append).ToList();
            if (fail)
            {
                await Task.WhenAll(appends);
                disk.Failing = true;
            }

            appends.AddRange(Enumerable.Range((round * 100) + 50, 50).Select(Append));
            foreach (var append in appends)
            {
                try
                {
                    var i = await append;
                    lock (acknowledged)
                    {
                        acknowledged.Add(i);
                    }
                }
                catch (VecVaultException e)
                {
                    Assert.Contains("failed to commit", e.Message);
                    refused++;
                }
            }

            if (fail)
            {
                Assert.True(disk.FailedWrites > 0, "the device failed writes");
                Assert.True(refused > 0, "appends after the failure were refused");

                // While the device still fails, the log refuses at once with a clear error.
                var error = await Assert.ThrowsAsync<VecVaultException>(() => log.AppendAsync([1, 2, 3]));
                Assert.Equal(ErrorCode.Internal, error.Code);
                disk.Failing = false;
            }

            // Every acknowledged record is readable now, nothing else.
            Assert.Equal(acknowledged.Order(), log.ReadAll().Select(r => BitConverter.ToInt32(r.Bytes)).Order());
        }

        await log.DisposeAsync();
        await using var reopened = TenantLog.Open(_directory, new TenantLogOptions(), NullLogger.Instance);
        Assert.Equal(acknowledged.Order(), reopened.ReadAll().Select(r => BitConverter.ToInt32(r.Bytes)).Order());
        Assert.True(acknowledged.Count > 300 && refused > 0, $"{acknowledged.Count} acknowledged, {refused} refused");

        async Task<int> Append(int i)
        {
            await Task.Delay(random.Next(3));
            await log.AppendAsync(BitConverter.GetBytes(i));
            return i;
        }
    }
}
