using Net.Pkcs11Interop.Common;
using VecVault.Core.Errors;

namespace VecVault.Crypto.Pkcs11;

/// <summary>Classifies PKCS#11 return values into VecVault's error codes.</summary>
internal static class Pkcs11Errors
{
    /// <summary>The key is gone from the token (deleted), or its handle no longer names it.</summary>
    public static bool IsKeyGone(CKR rv) => rv is CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID
        or CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID or CKR.CKR_WRAPPING_KEY_HANDLE_INVALID;

    /// <summary>The key exists but may not do this (disabled by the customer, or of the wrong type).</summary>
    public static bool IsKeyUnusable(CKR rv) => rv is CKR.CKR_KEY_FUNCTION_NOT_PERMITTED or CKR.CKR_KEY_TYPE_INCONSISTENT
        or CKR.CKR_KEY_SIZE_RANGE or CKR.CKR_MECHANISM_INVALID or CKR.CKR_KEY_UNEXTRACTABLE or CKR.CKR_KEY_NOT_WRAPPABLE;

    /// <summary>The session can no longer be used; it is dropped from the pool.</summary>
    public static bool IsSessionBroken(CKR rv) => rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED
        or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_ERROR or CKR.CKR_CRYPTOKI_NOT_INITIALIZED
        or CKR.CKR_USER_NOT_LOGGED_IN;

    /// <summary>The module lost its device (an out-of-process HSM went away): it must be initialised again.</summary>
    public static bool IsDeviceLost(CKR rv) => rv is CKR.CKR_DEVICE_ERROR or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT
        or CKR.CKR_CRYPTOKI_NOT_INITIALIZED;

    /// <summary>The HSM did not answer or failed; the same call may succeed later.</summary>
    public static bool IsTransient(CKR rv) => IsSessionBroken(rv) || rv is CKR.CKR_DEVICE_MEMORY or CKR.CKR_HOST_MEMORY
        or CKR.CKR_FUNCTION_FAILED or CKR.CKR_SESSION_COUNT;

    /// <summary>The error a caller sees for <paramref name="rv"/>; the message names the call and the key, never a secret.</summary>
    public static VecVaultException ToException(CKR rv, string operation, string key, Exception inner)
    {
        if (IsKeyGone(rv))
        {
            return new VecVaultException(ErrorCode.KeyRevoked, $"tenant key revoked or unusable: {key} is not in the HSM", innerException: inner);
        }

        if (IsKeyUnusable(rv))
        {
            return new VecVaultException(ErrorCode.KeyRevoked, $"tenant key revoked or unusable: {operation} with {key} is not permitted ({rv})", innerException: inner);
        }

        if (IsTransient(rv))
        {
            return new VecVaultException(ErrorCode.HsmUnavailable, $"HSM unavailable during {operation} ({rv})", innerException: inner);
        }

        if (rv is CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_GENERAL_ERROR)
        {
            // SoftHSM2 reports a failed AES-GCM tag check as CKR_GENERAL_ERROR.
            return new VecVaultException(ErrorCode.DataLoss, $"wrapped DEK failed authentication during {operation} with {key}", innerException: inner);
        }

        return new VecVaultException(ErrorCode.Internal, $"HSM call {operation} failed ({rv})", innerException: inner);
    }
}
