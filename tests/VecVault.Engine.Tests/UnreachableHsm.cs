using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Engine.Tests;

/// <summary>
/// A fault-injecting decorator over the real PKCS#11 adapter: while <see cref="Unreachable"/> is set, every call fails as
/// an unreachable HSM does. For the symmetric model, whose mechanism p11-kit 0.24 cannot forward to a killable process.
/// </summary>
public sealed class UnreachableHsm(IKekService inner) : IKekService
{
    public volatile bool Unreachable;

    public byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        ThrowIfUnreachable();
        return inner.Wrap(kek, dek, context);
    }

    public LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        ThrowIfUnreachable();
        return inner.Unwrap(kek, wrapped, context);
    }

    public void Check(KekReference kek)
    {
        ThrowIfUnreachable();
        inner.Check(kek);
    }

    public int Destroy(KekReference kek)
    {
        ThrowIfUnreachable();
        return inner.Destroy(kek);
    }

    private void ThrowIfUnreachable()
    {
        if (Unreachable)
        {
            throw new VecVaultException(ErrorCode.HsmUnavailable, "HSM unavailable during call (CKR_DEVICE_ERROR)");
        }
    }
}
