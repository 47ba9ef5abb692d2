using VecVault.Core.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Keys;

/// <summary>
/// Wraps and unwraps DEKs under a tenant's KEK. Implementations talk to the tenant's HSM; the KEK never
/// leaves it. Failures throw <see cref="Core.Errors.VecVaultException"/>: KeyRevoked when the key is gone,
/// disabled or unusable, HsmUnavailable when the HSM does not answer, DataLoss when a wrapped DEK fails
/// authentication.
/// </summary>
public interface IKekService
{
    /// <summary>Wraps <paramref name="dek"/>, binding <paramref name="context"/> as associated data.</summary>
    byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context);

    /// <summary>Unwraps a DEK into locked memory; <paramref name="context"/> must equal the one given to <see cref="Wrap"/>.</summary>
    LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context);

    /// <summary>Checks that the KEK exists and permits this model's operations; throws when it does not.</summary>
    void Check(KekReference kek);

    /// <summary>Destroys the KEK in the HSM (crypto-shred): every DEK wrapped under it becomes unreadable. Returns the objects destroyed.</summary>
    int Destroy(KekReference kek);
}
