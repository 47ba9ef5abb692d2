using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using VecVault.Client;

namespace VecVault.TestSupport;

/// <summary>
/// The real server as a child process (<c>dotnet vecvault-server.dll</c> from the caller's output directory), for
/// what needs a process of its own: a core dump, a kill -9, its memory measured apart from its clients'.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ServerProcess(Process process, string address, string metricsAddress)
    {
        _process = process;
        Address = address;
        MetricsAddress = metricsAddress;
    }

    public string Address { get; }

    /// <summary>Where <c>/metrics</c> is served; empty unless <see cref="ServerProcessOptions.Metrics"/> asked for a known port (otherwise any free one).</summary>
    public string MetricsAddress { get; }

    public int Pid => _process.Id;

    /// <summary>Everything the server wrote to standard output and error (its log).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the server on a free loopback port over <paramref name="dataDirectory"/> and waits until it is serving;
    /// <paramref name="settings"/> are more <c>--Key=value</c> settings.
    /// </summary>
    public static Task<ServerProcess> StartAsync(string dataDirectory, string pinFile, string logLevel = "Warning", params string[] settings) =>
        StartAsync(new ServerProcessOptions(dataDirectory, pinFile) { LogLevel = logLevel, Settings = settings });

    /// <summary>
    /// Starts the server as <paramref name="options"/> say and waits until it is serving. The ports are probed free
    /// first, so another process may take one before the server binds it; a server that exits before serving is
    /// started again on other ports, up to three times.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(ServerProcessOptions options)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = await TryStartAsync(options);
            if (!server._process.HasExited)
            {
                return server;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"the server exited before serving: {server.Output}");
            }

            server.Dispose();
        }
    }

    /// <summary>Starts the server once; returns it serving, or exited.</summary>
    private static async Task<ServerProcess> TryStartAsync(ServerProcessOptions options)
    {
        var port = FreePort();
        var metricsPort = options.Metrics ? FreePort() : 0;
        var start = new ProcessStartInfo("/usr/bin/dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "vecvault-server.dll"),
            $"--VecVault:Listen:Port={port}",
            $"--VecVault:Metrics:Port={metricsPort}",
            $"--VecVault:DataDirectory={options.DataDirectory}",
            $"--VecVault:Hsm:ModulePath={options.ModulePath}",
            "--VecVault:Hsm:PinEnvironmentVariable=",
            $"--VecVault:Hsm:PinFile={options.PinFile}",
            $"--Logging:LogLevel:Default={options.LogLevel}",
            $"--Logging:LogLevel:Microsoft.AspNetCore={options.LogLevel}",
            $"--Logging:LogLevel:Grpc={options.LogLevel}",
            .. options.Settings,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in SoftHsm.Environment.Concat(options.Environment))
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var server = new ServerProcess(process, $"http://127.0.0.1:{port}", options.Metrics ? $"http://127.0.0.1:{metricsPort}" : "");
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new VecVaultClient(server.Address, "none");
                var health = await new Health.HealthClient(client.Channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (health.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return server;
                }
            }
            catch (Grpc.Core.RpcException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (process.HasExited)
                {
                    return server;
                }

                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>SIGTERM, then waits for the orderly shutdown (the logs closed); SIGKILL after <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            ExternalTool.Run("/bin/kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var waited = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(waited.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }
    }

    /// <summary>SIGKILL: no orderly shutdown.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

/// <summary>How to start a <see cref="ServerProcess"/>.</summary>
/// <param name="DataDirectory">The server's data directory.</param>
/// <param name="PinFile">A file holding the HSM user PIN.</param>
public sealed record ServerProcessOptions(string DataDirectory, string PinFile)
{
    /// <summary>The log level of every category.</summary>
    public string LogLevel { get; init; } = "Warning";

    /// <summary>The PKCS#11 module the server loads: SoftHSM2, or <see cref="P11KitServer.ClientModule"/>.</summary>
    public string ModulePath { get; init; } = SoftHsm.ModulePath;

    /// <summary>More <c>--Key=value</c> settings, after the ones above (the last of a key wins).</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>Serve <c>/metrics</c> on a free loopback port known to the caller (<see cref="ServerProcess.MetricsAddress"/>).</summary>
    public bool Metrics { get; init; }

    /// <summary>More environment variables (the SoftHSM2 configuration is always passed).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
