using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.TestSupport;

namespace VecVault.Crypto.Pkcs11.Tests;

public sealed class Pkcs11KekServiceTests
{
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KekService _service;
    private readonly KekReference _kek;

    public Pkcs11KekServiceTests()
    {
        SoftHsm.EnsureInitialised();
        _token = SoftHsm.CreateToken();
        _token.CreateAesKey("tenant-kek");
        _service = new Pkcs11KekService(
            new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => _token.Pin },
            NullLogger<Pkcs11KekService>.Instance);
        _kek = new KekReference(KeyModel.AesGcm, _token.Label, "tenant-kek");
    }

    [Fact]
    public void Wrap_then_unwrap_returns_the_dek_in_locked_memory()
    {
        var dek = RandomNumberGenerator.GetBytes(32);
        var context = "tenant-a/collection-1/segment-1"u8.ToArray();

        var wrapped = _service.Wrap(_kek, dek, context);
        using var unwrapped = _service.Unwrap(_kek, wrapped, context);

        Assert.Equal(dek, unwrapped.Span.ToArray());
        Assert.Equal(1 + 12 + 32 + 16, wrapped.Length);
        Assert.DoesNotContain(Convert.ToHexString(dek), Convert.ToHexString(wrapped), StringComparison.Ordinal);
    }

    [Fact]
    public void Unwrap_with_another_context_fails_as_data_loss()
    {
        var wrapped = _service.Wrap(_kek, RandomNumberGenerator.GetBytes(32), "segment-1"u8);

        var error = Assert.Throws<VecVaultException>(() => _service.Unwrap(_kek, wrapped, "segment-2"u8));

        Assert.Equal(ErrorCode.DataLoss, error.Code);
    }

    [Fact]
    public void Unwrap_with_a_flipped_bit_fails_as_data_loss()
    {
        var wrapped = _service.Wrap(_kek, RandomNumberGenerator.GetBytes(32), "c"u8);
        wrapped[20] ^= 1;

        var error = Assert.Throws<VecVaultException>(() => _service.Unwrap(_kek, wrapped, "c"u8));

        Assert.Equal(ErrorCode.DataLoss, error.Code);
    }

    [Fact]
    public void Another_key_of_the_same_model_cannot_unwrap()
    {
        _token.CreateAesKey("other-kek", "02");
        var other = new KekReference(KeyModel.AesGcm, _token.Label, "other-kek");
        var wrapped = _service.Wrap(_kek, RandomNumberGenerator.GetBytes(32), "c"u8);

        Assert.Throws<VecVaultException>(() => _service.Unwrap(other, wrapped, "c"u8));
    }

    [Fact]
    public void A_key_deleted_with_pkcs11_tool_is_reported_revoked()
    {
        var wrapped = _service.Wrap(_kek, RandomNumberGenerator.GetBytes(32), "c"u8);
        _service.Check(_kek);

        _token.DeleteSecretKey("tenant-kek");

        var error = Assert.Throws<VecVaultException>(() => _service.Unwrap(_kek, wrapped, "c"u8));
        Assert.Equal(ErrorCode.KeyRevoked, error.Code);
        Assert.Equal(ErrorCode.KeyRevoked, Assert.Throws<VecVaultException>(() => _service.Check(_kek)).Code);
    }

    [Fact]
    public void A_missing_token_or_key_is_reported_revoked_not_crashed()
    {
        var noToken = new KekReference(KeyModel.AesGcm, "no-such-token", "k");
        var noKey = new KekReference(KeyModel.AesGcm, _token.Label, "no-such-key");

        Assert.Equal(ErrorCode.KeyRevoked, Assert.Throws<VecVaultException>(() => _service.Check(noToken)).Code);
        Assert.Equal(ErrorCode.KeyRevoked, Assert.Throws<VecVaultException>(() => _service.Check(noKey)).Code);
    }

    [Fact]
    public void Concurrent_wraps_and_unwraps_use_separate_sessions()
    {
        var context = "concurrent"u8.ToArray();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var dek = RandomNumberGenerator.GetBytes(32);
            using var unwrapped = _service.Unwrap(_kek, _service.Wrap(_kek, dek, context), context);
            Assert.Equal(dek, unwrapped.Span.ToArray());
        });
    }
}
