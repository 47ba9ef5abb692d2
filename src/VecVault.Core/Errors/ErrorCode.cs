namespace VecVault.Core.Errors;

/// <summary>
/// What went wrong, independent of the transport. <c>VecVault.Server</c> maps each code to one gRPC status
/// in exactly one place.
/// </summary>
public enum ErrorCode
{
    /// <summary>The request is malformed; <see cref="VecVaultException.Field"/> names the field at fault.</summary>
    InvalidArgument,

    /// <summary>The tenant, collection or point does not exist (or belongs to another tenant).</summary>
    NotFound,

    /// <summary>The tenant, collection or key already exists.</summary>
    AlreadyExists,

    /// <summary>No credential, or one that is not valid.</summary>
    Unauthenticated,

    /// <summary>A valid credential that may not perform this operation.</summary>
    PermissionDenied,

    /// <summary>The tenant's KEK is deleted, disabled or unusable for the tenant's key model.</summary>
    KeyRevoked,

    /// <summary>The tenant's HSM does not answer. Retryable.</summary>
    HsmUnavailable,

    /// <summary>A configured limit was exceeded.</summary>
    ResourceExhausted,

    /// <summary>Stored data failed an integrity check; the affected segment is not served.</summary>
    DataLoss,

    /// <summary>The request's deadline passed.</summary>
    DeadlineExceeded,

    /// <summary>The request cannot run in the current state (other than a revoked key).</summary>
    FailedPrecondition,

    /// <summary>A failure of VecVault itself; details stay in the server log.</summary>
    Internal,
}
