using System.Diagnostics;
using VecVault.Memory.Native;

namespace VecVault.TestSupport;

/// <summary>
/// An out-of-process HSM: <c>p11-kit server</c> serving one SoftHSM2 token on a unix socket, reached through
/// <c>p11-kit-client.so</c>. Killing it is a real HSM outage. The client reads P11_KIT_SERVER_ADDRESS once per
/// process, so a test process has one socket path, and one such server at a time.
/// </summary>
public sealed class P11KitServer : IDisposable
{
    /// <summary>The client module VecVault loads to reach the server.</summary>
    public const string ClientModule = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so";

    private static readonly Lazy<string> Socket = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"vecvault-p11kit-{Environment.ProcessId}.sock");
        NativeEnvironment.Set("P11_KIT_SERVER_ADDRESS", $"unix:path={path}");
        return path;
    });

    /// <summary>Environment for a child process (a server) that reaches this process's p11-kit server through <see cref="ClientModule"/>.</summary>
    public static IReadOnlyDictionary<string, string> ClientEnvironment => new Dictionary<string, string> { ["P11_KIT_SERVER_ADDRESS"] = $"unix:path={Socket.Value}" };

    private readonly SoftHsmToken _token;
    private Process? _process;

    /// <summary>Prepares a server for <paramref name="token"/>; <see cref="Start"/> runs it.</summary>
    public P11KitServer(SoftHsmToken token)
    {
        _token = token;
        _ = Socket.Value;
    }

    /// <summary>Starts the server and waits until its socket answers.</summary>
    public void Start()
    {
        if (!File.Exists("/usr/bin/p11-kit") || !File.Exists(ClientModule))
        {
            throw new InvalidOperationException("p11-kit or p11-kit-client.so is missing: ./scripts/test installs p11-kit and p11-kit-modules");
        }

        File.Delete(Socket.Value);
        var start = new ProcessStartInfo("/usr/bin/p11-kit") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "server", "-f", "-n", Socket.Value, "--provider", SoftHsm.ModulePath, $"pkcs11:token={_token.Label}" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in SoftHsm.Environment)
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start p11-kit server");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var waited = Stopwatch.StartNew();
        while (!File.Exists(Socket.Value))
        {
            if (_process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException("p11-kit server did not start");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Kills the server and the children it forked for each client connection (SIGKILL): the HSM is gone until
    /// <see cref="Start"/>.
    /// </summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>
    /// Freezes the server and the children it forked for each client connection (SIGSTOP): the HSM hangs, answering
    /// nothing and refusing nothing, until <see cref="Thaw"/>.
    /// </summary>
    public void Freeze() => Signal("-STOP");

    /// <summary>Lets a frozen server run again (SIGCONT).</summary>
    public void Thaw() => Signal("-CONT");

    /// <inheritdoc />
    public void Dispose()
    {
        Thaw();
        Kill();
    }

    private void Signal(string signal)
    {
        if (_process is { HasExited: false } process)
        {
            ExternalTool.Run("/bin/kill", [signal, .. Tree(process.Id).Select(pid => pid.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
    }

    /// <summary>A process and its descendants, from /proc.</summary>
    private static IEnumerable<int> Tree(int pid)
    {
        yield return pid;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            var children = File.Exists(Path.Combine(task, "children")) ? File.ReadAllText(Path.Combine(task, "children")) : "";
            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
            {
                foreach (var descendant in Tree(child))
                {
                    yield return descendant;
                }
            }
        }
    }
}
