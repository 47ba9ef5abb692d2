using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Crypto.Pkcs11.Tests;

/// <summary>The asymmetric model against a real SoftHSM2 token: local RSA-OAEP wrap, HSM unwrap.</summary>
public sealed class RsaKekTests : IClassFixture<RsaKekTests.Token>
{
    private readonly Token _token;
    private readonly ITestOutputHelper _output;

    public RsaKekTests(Token token, ITestOutputHelper output)
    {
        _token = token;
        _output = output;
    }

    [Fact]
    public void Wrap_is_local_and_unwrap_goes_through_the_hsm()
    {
        var dek = RandomNumberGenerator.GetBytes(32);
        var wraps = _token.Service.Unwraps;

        var wrapped = _token.Service.Wrap(_token.Kek, dek, "ctx"u8);
        var timer = Stopwatch.StartNew();
        using var unwrapped = _token.Service.Unwrap(_token.Kek, wrapped, "ctx"u8);

        _output.WriteLine($"RSA-3072 OAEP unwrap in the HSM: {timer.Elapsed.TotalMilliseconds:F2} ms");
        Assert.Equal(dek, unwrapped.Span.ToArray());
        Assert.Equal(wraps + 1, _token.Service.Unwraps);
        Assert.Equal(3 + 384 + 32, wrapped.Length);
    }

    [Fact]
    public void An_envelope_moved_to_another_context_or_altered_fails_as_data_loss()
    {
        var wrapped = _token.Service.Wrap(_token.Kek, RandomNumberGenerator.GetBytes(32), "segment-1"u8);

        Assert.Equal(ErrorCode.DataLoss, Assert.Throws<VecVaultException>(() => _token.Service.Unwrap(_token.Kek, wrapped, "segment-2"u8)).Code);
        wrapped[^1] ^= 1;
        Assert.Equal(ErrorCode.DataLoss, Assert.Throws<VecVaultException>(() => _token.Service.Unwrap(_token.Kek, wrapped, "segment-1"u8)).Code);
    }

    [Fact]
    public void The_check_accepts_the_key_and_refuses_one_that_is_too_small()
    {
        _token.Service.Check(_token.Kek);

        var error = Assert.Throws<VecVaultException>(() => _token.Service.Check(_token.Small));
        Assert.Equal(ErrorCode.KeyRevoked, error.Code);
        Assert.Contains("3072", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disabled_private_key_is_revoked_and_an_enabled_one_works_again()
    {
        var wrapped = _token.Service.Wrap(_token.Disabling, RandomNumberGenerator.GetBytes(32), "c"u8);
        Pkcs11KeyAdmin.SetEnabled(SoftHsm.ModulePath, _token.Hsm.Label, _token.Hsm.Pin, _token.Disabling.KeyLabel, enabled: false);
        try
        {
            Assert.Equal(ErrorCode.KeyRevoked, Assert.Throws<VecVaultException>(() => _token.Service.Check(_token.Disabling)).Code);
            Assert.Equal(ErrorCode.KeyRevoked, Assert.Throws<VecVaultException>(() => _token.Service.Unwrap(_token.Disabling, wrapped, "c"u8)).Code);
        }
        finally
        {
            Pkcs11KeyAdmin.SetEnabled(SoftHsm.ModulePath, _token.Hsm.Label, _token.Hsm.Pin, _token.Disabling.KeyLabel, enabled: true);
        }

        using var dek = _token.Service.Unwrap(_token.Disabling, wrapped, "c"u8);
        _token.Service.Check(_token.Disabling);
    }

    /// <summary>One token with RSA key pairs made by pkcs11-tool (key generation takes seconds, so once per class).</summary>
    public sealed class Token
    {
        public Token()
        {
            SoftHsm.EnsureInitialised();
            Hsm = SoftHsm.CreateToken();
            Hsm.CreateRsaKeyPair("rsa-kek", "10");
            Hsm.CreateRsaKeyPair("rsa-small", "11", bits: 2048);
            Hsm.CreateRsaKeyPair("rsa-disabling", "12");
            Service = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => Hsm.Pin }, NullLogger<Pkcs11KekService>.Instance);
        }

        public SoftHsmToken Hsm { get; }

        public Pkcs11KekService Service { get; }

        // SoftHSM2 2.6.1 implements RSA-OAEP with SHA-1 only.
        public KekReference Kek => new(KeyModel.RsaOaep, Hsm.Label, "rsa-kek", "", "sha1");

        public KekReference Small => new(KeyModel.RsaOaep, Hsm.Label, "rsa-small", "", "sha1");

        public KekReference Disabling => new(KeyModel.RsaOaep, Hsm.Label, "rsa-disabling", "", "sha1");
    }
}
