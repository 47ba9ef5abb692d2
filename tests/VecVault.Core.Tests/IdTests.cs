using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;

namespace VecVault.Core.Tests;

public sealed class IdTests
{
    [Theory]
    [InlineData("acme")]
    [InlineData("a-1")]
    [InlineData("0tenant")]
    public void Valid_tenant_ids_parse(string id) => Assert.Equal(id, TenantId.Parse(id).Value);

    [Theory]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData("Acme")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("a b")]
    public void Invalid_tenant_ids_are_rejected_naming_the_field(string id)
    {
        var error = Assert.Throws<VecVaultException>(() => TenantId.Parse(id, "id"));
        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Equal("id", error.Field);
    }

    [Fact]
    public void Tenant_ids_longer_than_64_are_rejected() => Assert.False(TenantId.TryParse(new string('a', 65), out _));

    [Fact]
    public void Point_ids_round_trip_through_their_encoding()
    {
        Span<byte> buffer = stackalloc byte[PointId.MaxEncodedLength];
        foreach (var id in new[] { PointId.FromNumber(0), PointId.FromNumber(ulong.MaxValue), PointId.FromUuid(Guid.NewGuid()) })
        {
            var length = id.WriteTo(buffer);
            Assert.True(PointId.TryRead(buffer[..length], out var read, out var readLength));
            Assert.Equal(id, read);
            Assert.Equal(length, readLength);
        }
    }

    [Fact]
    public void Malformed_point_id_encodings_are_rejected()
    {
        Assert.False(PointId.TryRead([], out _, out _));
        Assert.False(PointId.TryRead([0, 1, 2], out _, out _));
        Assert.False(PointId.TryRead([7, 0, 0, 0, 0, 0, 0, 0, 0], out _, out _));
    }

    [Fact]
    public void Numbers_order_before_uuids_and_by_value()
    {
        var ids = new[] { PointId.FromUuid(Guid.Empty), PointId.FromNumber(5), PointId.FromNumber(2) };
        Assert.Equal([PointId.FromNumber(2), PointId.FromNumber(5), PointId.FromUuid(Guid.Empty)], ids.Order());
    }

    [Fact]
    public void Kek_references_are_validated_field_by_field()
    {
        Assert.Equal("kek.token_label", Assert.Throws<VecVaultException>(() => new KekReference(KeyModel.AesGcm, "", "k").Validate()).Field);
        Assert.Equal("kek.key_id_hex", Assert.Throws<VecVaultException>(() => new KekReference(KeyModel.AesGcm, "t", "k", "abc").Validate()).Field);
        Assert.Equal("kek.oaep_hash", Assert.Throws<VecVaultException>(() => new KekReference(KeyModel.RsaOaep, "t", "k", "", "md5").Validate()).Field);
        new KekReference(KeyModel.AesGcm, "t", "k", "01").Validate();
    }
}
