namespace VecVault.Core.Errors;

/// <summary>
/// The one exception type for real failures. Messages never contain key material, PINs, vectors or
/// payload values: they name fields, tenants, collections and segments only.
/// </summary>
public sealed class VecVaultException : Exception
{
    /// <summary>Creates an exception with a code and a message fit for the caller.</summary>
    public VecVaultException(ErrorCode code, string message, string? field = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Field = field;
    }

    /// <summary>What went wrong.</summary>
    public ErrorCode Code { get; }

    /// <summary>The request field at fault, as a path ("points[3].vector"), for <see cref="ErrorCode.InvalidArgument"/>.</summary>
    public string? Field { get; }

    /// <summary>True when the same request may succeed if retried later.</summary>
    public bool IsTransient => Code is ErrorCode.HsmUnavailable or ErrorCode.DeadlineExceeded;

    /// <summary>An <see cref="ErrorCode.InvalidArgument"/> naming the field at fault.</summary>
    public static VecVaultException Invalid(string field, string message) => new(ErrorCode.InvalidArgument, message, field);

    /// <summary>A <see cref="ErrorCode.NotFound"/>.</summary>
    public static VecVaultException NotFound(string message) => new(ErrorCode.NotFound, message);
}
