using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VecVault.Server.Hosting;

/// <summary>The server's listeners; their end points carry the bound ports once the server has started (port 0 picks one).</summary>
public sealed class ServerEndpoints
{
    /// <summary>The gRPC listener.</summary>
    public ListenOptions? Grpc { get; set; }

    /// <summary>The Prometheus listener; null when metrics are off.</summary>
    public ListenOptions? Metrics { get; set; }

    /// <summary>The gRPC end point.</summary>
    public IPEndPoint? GrpcEndPoint => Grpc?.IPEndPoint;

    /// <summary>The metrics end point.</summary>
    public IPEndPoint? MetricsEndPoint => Metrics?.IPEndPoint;
}
