using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using VecVault.Protocol.V1;

namespace VecVault.Client;

/// <summary>
/// A connection to a VecVault server: one HTTP/2 channel, the API key sent as <c>authorization: Bearer</c> on
/// every call, and the generated stubs of both services.
/// </summary>
public sealed class VecVaultClient : IDisposable
{
    private readonly GrpcChannel _channel;

    /// <summary>Connects to <paramref name="address"/> (for example <c>http://127.0.0.1:50051</c>, or <c>https://</c> for TLS) with <paramref name="apiKey"/> (null sends no credential: health checks only).</summary>
    public VecVaultClient(string address, string? apiKey, VecVaultClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (apiKey is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(apiKey);
        }

        options ??= new VecVaultClientOptions();
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
            HttpHandler = ClientTls.CreateHandler(options),
            ServiceConfig = options.MaxAttempts > 1 ? RetryOnUnavailable(options) : null,
        });
        var invoker = _channel.Intercept(new CallDefaults(apiKey, options.DefaultDeadline));
        Vectors = new VectorService.VectorServiceClient(invoker);
        Admin = new AdminService.AdminServiceClient(invoker);
    }

    /// <summary>Collections and points of the key's tenant.</summary>
    public VectorService.VectorServiceClient Vectors { get; }

    /// <summary>Tenants, keys and statistics (needs an admin key).</summary>
    public AdminService.AdminServiceClient Admin { get; }

    /// <summary>The underlying channel, for health checks and reflection.</summary>
    public ChannelBase Channel => _channel;

    /// <summary>Upserts points in batches of <paramref name="batchSize"/> on one client stream; returns the count written.</summary>
    public async Task<ulong> UpsertManyAsync(string collection, IEnumerable<PointStruct> points, int batchSize = 1000, CancellationToken cancellationToken = default)
    {
        using var call = Vectors.UpsertStream(cancellationToken: cancellationToken);
        var batch = new UpsertStreamRequest { Collection = collection };
        foreach (var point in points)
        {
            batch.Points.Add(point);
            if (batch.Points.Count == batchSize)
            {
                await call.RequestStream.WriteAsync(batch, cancellationToken);
                batch = new UpsertStreamRequest();
            }
        }

        if (batch.Points.Count > 0)
        {
            await call.RequestStream.WriteAsync(batch, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        return (await call).Upserted;
    }

    private static ServiceConfig RetryOnUnavailable(VecVaultClientOptions options) => new()
    {
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = options.MaxAttempts,
                    InitialBackoff = options.InitialBackoff,
                    MaxBackoff = TimeSpan.FromSeconds(2),
                    BackoffMultiplier = 2,
                    RetryableStatusCodes = { StatusCode.Unavailable },
                },
            },
        },
    };

    /// <summary>Closes the channel.</summary>
    public void Dispose() => _channel.Dispose();
}
