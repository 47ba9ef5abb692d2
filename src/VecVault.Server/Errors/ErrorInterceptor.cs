using Grpc.Core;
using Grpc.Core.Interceptors;
using VecVault.Core.Errors;

namespace VecVault.Server.Errors;

/// <summary>Turns exceptions thrown below the services into gRPC statuses through <see cref="ErrorMap"/>.</summary>
public sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger, TimeProvider time) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case VecVaultException error:
                if (error.Code is ErrorCode.Internal or ErrorCode.DataLoss)
                {
                    LogFailure(logger, error, context.Method, error.Code.ToString());
                }

                return ErrorMap.ToRpcException(error);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested && context.Deadline <= time.GetUtcNow().UtcDateTime:
                return ErrorMap.ToRpcException(new VecVaultException(ErrorCode.DeadlineExceeded, "the call's deadline passed"));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
            default:
                LogFailure(logger, exception, context.Method, nameof(ErrorCode.Internal));
                return ErrorMap.ToRpcException(new VecVaultException(ErrorCode.Internal, "internal error"));
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "{Method} failed with {Code}")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string code);
}
