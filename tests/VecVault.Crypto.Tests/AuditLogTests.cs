using VecVault.Crypto.Audit;

namespace VecVault.Crypto.Tests;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"vecvault-audit-{Guid.NewGuid():N}", "audit.log");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    [Fact]
    public void An_untouched_log_verifies_and_continues_its_chain_after_reopening()
    {
        using (var log = new AuditLog(_path, TimeProvider.System))
        {
            Write(log, 3);
        }

        using var reopened = new AuditLog(_path, TimeProvider.System);
        Assert.Equal(4UL, reopened.Write("wrap", "acme").Sequence);
        Assert.Equal(new AuditVerification(true, 4, 0, ""), reopened.Verify());
    }

    [Theory]
    [InlineData("edit")]
    [InlineData("delete")]
    [InlineData("insert")]
    [InlineData("reorder")]
    public void A_tampered_log_fails_verification_at_the_first_bad_record(string tampering)
    {
        using (var log = new AuditLog(_path, TimeProvider.System))
        {
            Write(log, 5);
        }

        var lines = File.ReadAllLines(_path).ToList();
        switch (tampering)
        {
            case "edit":
                lines[2] = lines[2].Replace("\"acme\"", "\"evil\"", StringComparison.Ordinal);
                break;
            case "delete":
                lines.RemoveAt(2);
                break;
            case "insert":
                lines.Insert(2, lines[1]);
                break;
            case "reorder":
                (lines[2], lines[3]) = (lines[3], lines[2]);
                break;
        }

        File.WriteAllLines(_path, lines);

        var result = AuditLog.Verify(_path);
        Assert.False(result.Valid);
        Assert.Equal(3UL, result.FirstBadSequence);
        Assert.NotEmpty(result.Reason);
    }

    [Fact]
    public async Task A_follower_sees_old_records_then_new_ones()
    {
        using var log = new AuditLog(_path, TimeProvider.System);
        Write(log, 2);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<ulong>();
        var reading = Task.Run(async () =>
        {
            await foreach (var record in log.ReadAsync(2, follow: true, cancel.Token))
            {
                seen.Add(record.Sequence);
                if (record.Sequence == 4)
                {
                    return;
                }
            }
        });
        await Task.Delay(100);
        Write(log, 2);
        await reading;

        Assert.Equal([2UL, 3UL, 4UL], seen);
    }

    private static void Write(AuditLog log, int count)
    {
        for (var i = 0; i < count; i++)
        {
            log.Write("unwrap", "acme", [new("segment", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
    }
}
