using Grpc.Core;

namespace VecVault.IntegrationTests;

/// <summary>Reads the <c>google.rpc</c> details of a failed call.</summary>
public static class ErrorDetails
{
    /// <summary>The field named by the error's <c>google.rpc.BadRequest</c>, or null when it has none.</summary>
    public static string? Field(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.SingleOrDefault()?.Field;
}
