using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using VecVault.Client;
using VecVault.TestSupport;

namespace VecVault.IntegrationTests;

/// <summary>The real server as a child process (<c>dotnet vecvault-server.dll</c>), for what needs a process of its own: a core dump, a kill -9.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ServerProcess(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

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
    public static async Task<ServerProcess> StartAsync(string dataDirectory, string pinFile, string logLevel = "Warning", params string[] settings)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("/usr/bin/dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "vecvault-server.dll"),
            $"--VecVault:Listen:Port={port}",
            "--VecVault:Metrics:Port=0",
            $"--VecVault:DataDirectory={dataDirectory}",
            $"--VecVault:Hsm:ModulePath={SoftHsm.ModulePath}",
            "--VecVault:Hsm:PinEnvironmentVariable=",
            $"--VecVault:Hsm:PinFile={pinFile}",
            $"--Logging:LogLevel:Default={logLevel}",
            $"--Logging:LogLevel:Microsoft.AspNetCore={logLevel}",
            $"--Logging:LogLevel:Grpc={logLevel}",
            .. settings,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in SoftHsm.Environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var server = new ServerProcess(process, $"http://127.0.0.1:{port}");
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
            catch (Grpc.Core.RpcException) when (waited.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
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
