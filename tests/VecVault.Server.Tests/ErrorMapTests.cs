using Google.Rpc;
using Grpc.Core;
using VecVault.Core.Errors;
using VecVault.Server.Errors;

namespace VecVault.Server.Tests;

public sealed class ErrorMapTests
{
    [Theory]
    [InlineData(ErrorCode.InvalidArgument, StatusCode.InvalidArgument)]
    [InlineData(ErrorCode.NotFound, StatusCode.NotFound)]
    [InlineData(ErrorCode.AlreadyExists, StatusCode.AlreadyExists)]
    [InlineData(ErrorCode.Unauthenticated, StatusCode.Unauthenticated)]
    [InlineData(ErrorCode.PermissionDenied, StatusCode.PermissionDenied)]
    [InlineData(ErrorCode.KeyRevoked, StatusCode.FailedPrecondition)]
    [InlineData(ErrorCode.FailedPrecondition, StatusCode.FailedPrecondition)]
    [InlineData(ErrorCode.HsmUnavailable, StatusCode.Unavailable)]
    [InlineData(ErrorCode.ResourceExhausted, StatusCode.ResourceExhausted)]
    [InlineData(ErrorCode.DataLoss, StatusCode.DataLoss)]
    [InlineData(ErrorCode.DeadlineExceeded, StatusCode.DeadlineExceeded)]
    [InlineData(ErrorCode.Internal, StatusCode.Internal)]
    public void Every_code_maps_to_its_status(ErrorCode code, StatusCode expected) =>
        Assert.Equal(expected, ErrorMap.ToRpcException(new VecVaultException(code, "m")).StatusCode);

    [Fact]
    public void Every_code_is_in_the_map() =>
        Assert.All(Enum.GetValues<ErrorCode>().Where(c => c != ErrorCode.Internal), c => Assert.NotEqual(StatusCode.Internal, ErrorMap.ToStatusCode(c)));

    [Fact]
    public void Bad_input_carries_the_field_and_internal_errors_hide_their_message()
    {
        var invalid = ErrorMap.ToRpcException(VecVaultException.Invalid("points[2].vector", "must not be empty"));
        Assert.Equal("points[2].vector", invalid.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);

        var internalError = ErrorMap.ToRpcException(new VecVaultException(ErrorCode.Internal, "path /secret/thing failed"));
        Assert.DoesNotContain("secret", internalError.Status.Detail, StringComparison.Ordinal);

        var unavailable = ErrorMap.ToRpcException(new VecVaultException(ErrorCode.HsmUnavailable, "down"));
        Assert.NotNull(unavailable.GetRpcStatus()!.GetDetail<RetryInfo>());
    }
}
