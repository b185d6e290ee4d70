using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>How a <see cref="PrivateHaproxy"/> checks its backend servers.</summary>
public enum HaproxyCheck
{
    /// <summary>No health checks: every server is taken as up.</summary>
    None,
    /// <summary><c>check</c>: a TCP connect, with the PROXY v2 LOCAL header (<c>send-proxy-v2</c> applies to checks too).</summary>
    Connect,
    /// <summary><c>option smtpchk</c>: the greeting and <c>EHLO</c> must be answered 2xx (with the LOCAL header first).</summary>
    Smtp,
}

/// <summary>
/// A private HAProxy (the Debian package's /usr/sbin/haproxy) for tests: writes its own configuration in a temp folder
/// (<c>mode tcp</c>, a frontend on a free loopback port, the given backends with <c>send-proxy-v2</c>), runs
/// <c>haproxy -f CFG -db</c> as a child process, and waits until it listens (its admin socket in the same folder
/// answers). Never reads or touches /etc/haproxy. Dispose stops it. <see cref="IsAvailable"/> says when it cannot run.
/// </summary>
public sealed class PrivateHaproxy : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly TempFolder _folder;
    private readonly StringBuilder _output;

    private PrivateHaproxy(Process process, TempFolder folder, StringBuilder output, IPEndPoint frontend, string configuration)
    {
        _process = process;
        _folder = folder;
        _output = output;
        Frontend = frontend;
        Configuration = configuration;
    }

    /// <summary>The haproxy executable: $HAPROXY, else /usr/sbin/haproxy, else haproxy on the PATH; null when none.</summary>
    public static string? Executable { get; } = FindExecutable();

    /// <summary>The loopback endpoint clients connect to.</summary>
    public IPEndPoint Frontend { get; }

    /// <summary>The configuration file's text.</summary>
    public string Configuration { get; }

    /// <summary>What haproxy has written to stdout and stderr so far (warnings, alerts), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private string AdminSocket => Path.Combine(_folder.Path, "admin.sock");

    /// <summary>True when haproxy can be run here; else <paramref name="reason"/> says why (for a skipped test).</summary>
    public static bool IsAvailable(out string reason)
    {
        reason = Executable is null ? "haproxy is not installed (apt-get install haproxy; .ci/install-haproxy.sh does it in CI)" : "";
        return Executable is not null;
    }

    /// <summary>
    /// Starts HAProxy balancing (round robin) over <paramref name="backends"/>, named <c>relay0</c>, <c>relay1</c>, …, each
    /// with <c>send-proxy-v2</c> and the health check <paramref name="check"/> every <paramref name="checkInterval"/>
    /// (default 1 s; a server is down after 2 failed checks and up after 1 good one).
    /// </summary>
    public static async Task<PrivateHaproxy> StartAsync(IReadOnlyList<IPEndPoint> backends, HaproxyCheck check = HaproxyCheck.Connect,
        TimeSpan? checkInterval = null)
    {
        if (!IsAvailable(out var reason)) throw new InvalidOperationException(reason);
        var folder = new TempFolder();
        try
        {
            var frontend = new IPEndPoint(IPAddress.Loopback, FreePort());
            var configuration = ConfigurationFor(frontend, backends, check, checkInterval ?? TimeSpan.FromSeconds(1), Path.Combine(folder.Path, "admin.sock"));
            var path = Path.Combine(folder.Path, "haproxy.cfg");
            await File.WriteAllTextAsync(path, configuration);
            var output = new StringBuilder();
            var start = new ProcessStartInfo(Executable!)
            {
                ArgumentList = { "-f", path, "-db" },
                WorkingDirectory = folder.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
            void Keep(object _, DataReceivedEventArgs e)
            {
                if (e.Data is null) return;
                lock (output) output.AppendLine(e.Data);
            }
            process.OutputDataReceived += Keep;
            process.ErrorDataReceived += Keep;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var haproxy = new PrivateHaproxy(process, folder, output, frontend, configuration);
            try
            {
                await haproxy.WaitUntilListeningAsync();
            }
            catch
            {
                await haproxy.DisposeAsync();
                throw;
            }
            return haproxy;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>The configuration <see cref="StartAsync"/> writes.</summary>
    public static string ConfigurationFor(IPEndPoint frontend, IReadOnlyList<IPEndPoint> backends, HaproxyCheck check, TimeSpan checkInterval, string adminSocket)
    {
        var inter = ((int)checkInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        var text = new StringBuilder()
            .AppendLine("global")
            .AppendLine("    maxconn 1024")
            .AppendLine($"    stats socket {adminSocket} mode 600 level admin")
            .AppendLine("defaults")
            .AppendLine("    mode tcp")
            .AppendLine("    timeout connect 5s")
            .AppendLine("    timeout client 5m")
            .AppendLine("    timeout server 5m")
            .AppendLine("    timeout check 5s")
            // A connection to a server that died before its checks said so is tried again on another (as in production).
            .AppendLine("    retries 3")
            .AppendLine("    option redispatch")
            .AppendLine("frontend smtp")
            .AppendLine($"    bind {frontend}")
            .AppendLine("    default_backend relays")
            .AppendLine("backend relays")
            .AppendLine("    balance roundrobin");
        if (check == HaproxyCheck.Smtp) text.AppendLine("    option smtpchk EHLO haproxy.test");
        for (var i = 0; i < backends.Count; i++)
        {
            text.Append($"    server relay{i} {backends[i]} send-proxy-v2");
            if (check != HaproxyCheck.None) text.Append($" check inter {inter} fall 2 rise 1");
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>The state of each backend server from the admin socket's <c>show stat</c>: name → UP, DOWN, no check, …</summary>
    public async Task<IReadOnlyDictionary<string, string>> ServerStatesAsync()
    {
        var csv = await CommandAsync("show stat");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var columns = lines[0].TrimStart('#', ' ').Split(',');
        int proxy = Array.IndexOf(columns, "pxname"), server = Array.IndexOf(columns, "svname"), status = Array.IndexOf(columns, "status");
        var states = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length <= status || fields[proxy] != "relays" || fields[server] is "BACKEND" or "FRONTEND") continue;
            states[fields[server]] = fields[status];
        }
        return states;
    }

    /// <summary>Waits until every server's state is <paramref name="state"/> (e.g. "UP"); false after <paramref name="limit"/>.</summary>
    public async Task<bool> WaitForServersAsync(string state, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var states = await ServerStatesAsync();
            if (states.Count > 0 && states.Values.All(s => s.StartsWith(state, StringComparison.Ordinal))) return true;
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100);
        }
    }

    /// <summary>Sends one command to the admin socket and returns its answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(AdminSocket), timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, timeout.Token);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return answer.ToString();
    }

    private async Task WaitUntilListeningAsync()
    {
        // Listeners (the frontend included) are bound before the admin socket answers; probing the frontend itself would
        // open a proxied connection to a backend.
        var deadline = DateTime.UtcNow + StartLimit;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}:\n{Output}\n{Configuration}");
            try
            {
                if ((await CommandAsync("show info")).Contains("Name: HAProxy", StringComparison.Ordinal)) return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"haproxy did not answer on its admin socket within {StartLimit}:\n{Output}");
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("HAPROXY") is { Length: > 0 } set && File.Exists(set)) return set;
        if (File.Exists("/usr/sbin/haproxy")) return "/usr/sbin/haproxy";
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "haproxy");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Stops haproxy (SIGKILL: nothing of it needs saving) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
        }
        _process.Dispose();
        _folder.Dispose();
    }
}
