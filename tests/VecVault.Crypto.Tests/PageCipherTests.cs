using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;

namespace VecVault.Crypto.Tests;

public sealed class PageCipherTests : IDisposable
{
    private static readonly TenantId Tenant = TenantId.Parse("acme");
    private readonly DataKey _key = DataKey.Generate();
    private readonly byte[] _plaintext = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];

    public void Dispose() => _key.Dispose();

    [Fact]
    public void A_sealed_record_opens_to_its_plaintext()
    {
        var record = PageCipher.Seal(_key, Tenant, new RecordHeader(RecordKind.WalBatch, 1, 2, 3), _plaintext);

        var opened = new byte[record.Length - PageCipher.Overhead];
        Assert.Equal(_plaintext.Length, PageCipher.Open(_key, Tenant, record, opened));
        Assert.Equal(_plaintext, opened);
        Assert.True(record.AsSpan(RecordHeader.Size).IndexOf(_plaintext.AsSpan(0, 16)) < 0);
    }

    [Fact]
    public void A_bit_flip_at_any_byte_is_detected()
    {
        var record = PageCipher.Seal(_key, Tenant, new RecordHeader(RecordKind.WalBatch, 1, 2, 3), _plaintext);
        var detected = 0;
        for (var position = 0; position < record.Length; position++)
        {
            var tampered = (byte[])record.Clone();
            tampered[position] ^= 0x01;
            if (Rejects(tampered, Tenant))
            {
                detected++;
            }
        }

        Assert.Equal(record.Length, detected);
    }

    [Fact]
    public void A_record_moved_to_another_tenant_or_key_is_rejected()
    {
        var record = PageCipher.Seal(_key, Tenant, new RecordHeader(RecordKind.WalBatch, 1, 2, 3), _plaintext);
        using var other = DataKey.Generate();

        Assert.True(Rejects(record, TenantId.Parse("other")));
        var buffer = new byte[record.Length];
        Assert.Equal(ErrorCode.DataLoss, Assert.Throws<VecVaultException>(() => PageCipher.Open(other, Tenant, record, buffer)).Code);
    }

    [Fact]
    public void Truncated_records_are_rejected() =>
        Assert.True(Rejects(PageCipher.Seal(_key, Tenant, new RecordHeader(RecordKind.WalBatch, 1, 2, 3), _plaintext)[..^1], Tenant));

    [Fact]
    public void Record_headers_round_trip_and_reject_unknown_versions()
    {
        var header = new RecordHeader(RecordKind.SegmentOpened, 7, 8, 9);
        var bytes = new byte[RecordHeader.Size];
        header.WriteTo(bytes);
        Assert.True(RecordHeader.TryRead(bytes, out var read));
        Assert.Equal(header, read);

        bytes[0] = 2;
        Assert.False(RecordHeader.TryRead(bytes, out _));
    }

    private bool Rejects(byte[] record, TenantId tenant)
    {
        try
        {
            PageCipher.Open(_key, tenant, record, new byte[Math.Max(0, record.Length - PageCipher.Overhead)]);
            return false;
        }
        catch (VecVaultException e) when (e.Code == ErrorCode.DataLoss)
        {
            return true;
        }
    }
}
