using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Keys;

/// <summary>Sends each KEK operation to the service of its key model: the HSM for AES-GCM and RSA-OAEP, the benchmark-only <see cref="NoneKekService"/> for none (when enabled).</summary>
/// <param name="hsm">The HSM adapter.</param>
/// <param name="none">The none model, or null when it is not enabled.</param>
public sealed class KeyModelRouter(IKekService hsm, NoneKekService? none) : IKekService
{
    /// <summary>True when the benchmark-only key model none is enabled.</summary>
    public bool NoneEnabled => none is not null;

    /// <inheritdoc />
    public byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context) => For(kek).Wrap(kek, dek, context);

    /// <inheritdoc />
    public LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context) => For(kek).Unwrap(kek, wrapped, context);

    /// <inheritdoc />
    public void Check(KekReference kek) => For(kek).Check(kek);

    /// <inheritdoc />
    public int Destroy(KekReference kek) => For(kek).Destroy(kek);

    private IKekService For(KekReference kek) => kek.Model == KeyModel.None
        ? none ?? throw new VecVaultException(ErrorCode.FailedPrecondition, "key model none (no BYOK) is not enabled on this server")
        : hsm;
}
