using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using VecVault.Core.Errors;

namespace VecVault.Server.Errors;

/// <summary>The one map from <see cref="ErrorCode"/> to gRPC status.</summary>
public static class ErrorMap
{
    /// <summary>The gRPC status code for <paramref name="code"/>.</summary>
    public static StatusCode ToStatusCode(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        ErrorCode.NotFound => StatusCode.NotFound,
        ErrorCode.AlreadyExists => StatusCode.AlreadyExists,
        ErrorCode.Unauthenticated => StatusCode.Unauthenticated,
        ErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        ErrorCode.KeyRevoked => StatusCode.FailedPrecondition,
        ErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ErrorCode.HsmUnavailable => StatusCode.Unavailable,
        ErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        ErrorCode.DataLoss => StatusCode.DataLoss,
        ErrorCode.DeadlineExceeded => StatusCode.DeadlineExceeded,
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// The RpcException a caller sees: the status, the message (never internal details for Internal), and for
    /// bad input a <c>google.rpc.BadRequest</c> naming the field.
    /// </summary>
    public static RpcException ToRpcException(VecVaultException error)
    {
        var code = ToStatusCode(error.Code);
        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = code == StatusCode.Internal ? "internal error; see the server log" : error.Message,
        };
        if (error.Field is not null)
        {
            var violation = new BadRequest.Types.FieldViolation { Field = error.Field, Description = error.Message };
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { violation } }));
        }

        if (error.IsTransient)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }));
        }

        return status.ToRpcException();
    }
}
