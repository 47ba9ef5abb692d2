using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace VecVault.Server.Observability;

/// <summary>Counts every call and its latency by method and final status code (the outermost interceptor, so it sees the mapped status).</summary>
public sealed class MetricsInterceptor(ServerMetrics metrics) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        MeasureAsync(context, () => continuation(request, context));

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        MeasureAsync(context, () => continuation(requestStream, context));

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        MeasureAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    private async Task<T> MeasureAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.OK;
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        catch (Exception)
        {
            code = StatusCode.Unknown;
            throw;
        }
        finally
        {
            var method = context.Method[(context.Method.LastIndexOf('.') + 1)..];
            metrics.RecordCall(method, code, Stopwatch.GetElapsedTime(started));
        }
    }
}
