using Grpc.Core;
using Grpc.Core.Interceptors;
using VecVault.Core.Errors;
using VecVault.Crypto.Audit;

namespace VecVault.Server.Auth;

/// <summary>
/// Authenticates every VecVault call from its <c>authorization: Bearer &lt;key&gt;</c> metadata: AdminService needs an
/// admin key, VectorService a tenant key (the tenant comes from the key, never from the request). Health and
/// reflection need none. Failed authentications are audited and throttled per client address (<see cref="AuthThrottle"/>).
/// </summary>
public sealed class AuthInterceptor(ApiKeyStore keys, AuthThrottle throttle, AuditLog audit) : Interceptor
{
    private const string CallerKey = "vecvault.caller";

    /// <summary>The caller authenticated for this call.</summary>
    public static Caller GetCaller(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var caller) ? (Caller)caller
            : throw new VecVaultException(ErrorCode.Unauthenticated, "no credential");

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var required = context.Method switch
        {
            var m when m.StartsWith("/vecvault.v1.AdminService/", StringComparison.Ordinal) => ApiKeyRole.Admin,
            var m when m.StartsWith("/vecvault.v1.VectorService/", StringComparison.Ordinal) => ApiKeyRole.Tenant,
            _ => (ApiKeyRole?)null,
        };
        if (required is null)
        {
            return;
        }

        var address = AuthThrottle.AddressOf(context.Peer);
        if (throttle.IsThrottled(address, out var retryAfter))
        {
            throw new VecVaultException(ErrorCode.ResourceExhausted, $"too many failed authentications from this address; retry in {Math.Ceiling(retryAfter.TotalSeconds)} s");
        }

        var header = context.RequestHeaders.GetValue("authorization");
        var caller = header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? keys.Authenticate(header[7..].Trim()) : null;
        if (caller is null)
        {
            audit.Write("access-denied", "", [new("method", context.Method), new("peer", address), new("reason", header is null ? "no credential" : "invalid credential")]);
            if (throttle.RecordFailure(address))
            {
                audit.Write("access-throttled", "", [new("peer", address)]);
            }

            throw new VecVaultException(ErrorCode.Unauthenticated, "missing or invalid API key (authorization: Bearer <key>)");
        }

        if (caller.Role != required)
        {
            audit.Write("access-denied", caller.Tenant?.Value ?? "", [new("method", context.Method), new("key_id", caller.KeyId), new("reason", "wrong role")]);
            throw new VecVaultException(ErrorCode.PermissionDenied, $"this call needs a {required.Value.ToString().ToLowerInvariant()} API key");
        }

        context.UserState[CallerKey] = caller;
    }
}
