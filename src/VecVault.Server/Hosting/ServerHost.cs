using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.Intrinsics;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pkcs11;
using VecVault.Engine;
using VecVault.Memory.Locked;
using VecVault.Server.Auth;
using VecVault.Server.Errors;
using VecVault.Server.Observability;
using VecVault.Server.Options;
using VecVault.Server.Services;
using VecVault.Storage.Log;

namespace VecVault.Server.Hosting;

/// <summary>
/// Builds the VecVault server: Kestrel with the gRPC endpoint (HTTP/2, optionally TLS or mutual TLS) and the
/// Prometheus endpoint (HTTP/1.1, its own port), the two services, health checking and reflection.
/// </summary>
public static partial class ServerHost
{
    private const string MetricsConnection = "vecvault.metrics";

    /// <summary>The services reported by the health service.</summary>
    public static readonly string[] HealthServices = ["", "vecvault.v1.VectorService", "vecvault.v1.AdminService"];

    /// <summary>
    /// Builds the server and opens the engine (recovering every tenant). <paramref name="configure"/> lets tests
    /// add configuration.
    /// </summary>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        // HSM calls block a thread in the PKCS#11 module (a hung HSM holds one until it answers): keep enough threads
        // ready that requests served from memory are not queued behind them while the pool grows.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 4 * Environment.ProcessorCount), completionPorts);

        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);
        var section = builder.Configuration.GetSection(VecVaultOptions.Section);
        var options = section.Get<VecVaultOptions>() ?? new VecVaultOptions();
        options.DataDirectory = Path.GetFullPath(options.DataDirectory);
        builder.Services.Configure<VecVaultOptions>(section);
        builder.Services.PostConfigure<VecVaultOptions>(o => o.DataDirectory = options.DataDirectory);

        // Without TLS the endpoint must be HTTP/2 only, or plain-text gRPC calls fall back to HTTP/1.1 and fail.
        // Message size is limited per gRPC message below, not per request body: a bulk UpsertStream may be large.
        var endpoints = new ServerEndpoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.Listen.Address), options.Listen.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                ServerTls.Apply(listen, options.Listen.Tls);
                endpoints.Grpc = listen;
            });
            if (options.Metrics.Enabled)
            {
                kestrel.Listen(IPAddress.Parse(options.Metrics.Address), options.Metrics.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    listen.Use(next => connection =>
                    {
                        connection.Items[MetricsConnection] = true;
                        return next(connection);
                    });
                    endpoints.Metrics = listen;
                });
            }
        });
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.Limits.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.Limits.MaxMessageBytes;
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.Interceptors.Add<AuthInterceptor>();
        });
        builder.Services.AddGrpcReflection();

        LockedMemory.Policy = options.LockedMemory;
        var lockedMemory = LockedMemory.Probe();
        if (!lockedMemory && options.LockedMemory == LockedMemoryPolicy.Required)
        {
            throw new InvalidOperationException(
                "locked memory is not available: grant CAP_IPC_LOCK (Docker: cap_add: IPC_LOCK, ulimits: memlock: -1) or raise the memlock ulimit; "
                + "VecVault:LockedMemory=BestEffort runs without it (plaintext may then be swapped)");
        }

        var time = TimeProvider.System;
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(new ServerStatus(time.GetUtcNow(), lockedMemory, DescribeSimd()));
        builder.Services.AddSingleton<HealthServiceImpl>();
        builder.Services.AddSingleton(sp => new Pkcs11KekService(
            new Pkcs11Options { ModulePath = options.Hsm.ModulePath, PinProvider = PinSource.Create(options.Hsm), CallTimeout = options.Hsm.CallTimeout },
            sp.GetRequiredService<ILogger<Pkcs11KekService>>(),
            sp.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(sp => new AuditLog(Path.Combine(options.DataDirectory, "audit", "audit.log"), time));
        builder.Services.AddSingleton(sp => new KeyModelRouter(
            sp.GetRequiredService<Pkcs11KekService>(),
            options.Keys.AllowInsecureKeyModelNone ? new NoneKekService() : null));
        builder.Services.AddSingleton(sp => VaultEngine.Open(
            new EngineOptions
            {
                DataDirectory = options.DataDirectory,
                Log = new TenantLogOptions { Durability = options.Durability },
                KeyCheckInterval = options.Keys.CheckInterval,
                DekTimeToLive = options.Keys.DekTimeToLive,
                AllowKeyModelNone = options.Keys.AllowInsecureKeyModelNone,
                SegmentCacheBytes = options.SegmentCacheBytes,
                CompactionInterval = options.CompactionInterval,
                CompactionDeadRatio = options.CompactionDeadRatio,
            },
            sp.GetRequiredService<KeyModelRouter>(),
            sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<ILogger<VaultEngine>>(),
            time));
        builder.Services.AddSingleton(sp => new ApiKeyStore(options.DataDirectory, time));
        builder.Services.AddSingleton(new AuthThrottle(options.Auth.MaxFailures, options.Auth.FailureWindow, time));
        builder.Services.AddSingleton<ServerMetrics>();

        var app = builder.Build();
        if (options.Metrics.Enabled)
        {
            MapMetrics(app);
        }

        app.MapGrpcService<VectorServiceImpl>();
        app.MapGrpcService<AdminServiceImpl>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();

        Start(app, options, lockedMemory);
        return app;
    }

    /// <summary>Opens the engine, makes sure an admin key exists, and wires health to the host's lifetime.</summary>
    private static void Start(WebApplication app, VecVaultOptions options, bool lockedMemory)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VecVault.Server");
        if (!lockedMemory)
        {
            LogNoLockedMemory(logger);
        }

        if (options.Keys.AllowInsecureKeyModelNone)
        {
            LogKeyModelNoneEnabled(logger);
        }

        var engine = app.Services.GetRequiredService<VaultEngine>();
        LogEngineOpened(logger, options.DataDirectory, engine.ListTenants().Count, options.Durability.ToString());

        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        if (!keys.HasActiveAdminKey)
        {
            var path = options.Auth.AdminKeyFile.Length > 0 ? Path.GetFullPath(options.Auth.AdminKeyFile) : Path.Combine(options.DataDirectory, "admin.key");
            var (_, apiKey) = keys.Create(ApiKeyRole.Admin, null, "bootstrap admin key");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, apiKey + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            LogAdminKeyWritten(logger, path);
        }

        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var service in HealthServices)
            {
                health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.Serving);
            }
        });
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var service in HealthServices)
            {
                health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.NotServing);
            }
        });
    }

    /// <summary>
    /// Serves <c>/metrics</c> from a registry of this server's own meters, on the metrics port only; the metrics
    /// port serves nothing else.
    /// </summary>
    private static void MapMetrics(WebApplication app)
    {
        var export = new PrometheusExport(app.Services.GetRequiredService<IMeterFactory>(), new HashSet<string> { ServerMetrics.MeterName, Pkcs11KekService.MeterName });
        app.Lifetime.ApplicationStopped.Register(export.Dispose);
        app.Services.GetRequiredService<ServerMetrics>(); // its observable instruments exist before the first call
        app.Use(async (context, next) =>
        {
            var onMetricsPort = context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(MetricsConnection) == true;
            if (onMetricsPort != (context.Request.Path == "/metrics"))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(context);
        });
        app.MapMetrics("/metrics", export.Registry);
    }

    private static string DescribeSimd() =>
        Vector512.IsHardwareAccelerated ? "avx512" : Vector256.IsHardwareAccelerated ? "avx2" : Vector128.IsHardwareAccelerated ? "sse/neon" : "scalar";

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Locked memory is NOT available: plaintext pages and DEKs may be swapped to disk")]
    private static partial void LogNoLockedMemory(ILogger logger);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Critical, Message = "INSECURE: key model none is enabled: tenants created with it have NO BYOK (their DEKs are stored beside their data). For benchmarks only")]
    private static partial void LogKeyModelNoneEnabled(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Opened data directory {Directory}: {Tenants} tenants, durability {Durability}")]
    private static partial void LogEngineOpened(ILogger logger, string directory, int tenants, string durability);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "No admin key existed: created one and wrote it to {Path} (mode 0600)")]
    private static partial void LogAdminKeyWritten(ILogger logger, string path);
}
