using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Postfix's programs (smtp-sink, postfix, postconf, postcat) used as next hops of the relay, each started by the
/// test that needs it: no use of the machine's own Postfix instance, so these tests need no .ci/postfix-setup.sh.
/// </summary>
public static class PostfixTools
{
    /// <summary>smtp-sink(1): Debian ships it in the postfix package.</summary>
    public const string SmtpSink = "/usr/sbin/smtp-sink";

    /// <summary>postfix(1), to start and stop a private instance with -c.</summary>
    public const string Postfix = "/usr/sbin/postfix";

    /// <summary>postconf(1), to write a private instance's master.cf.</summary>
    public const string Postconf = "/usr/sbin/postconf";

    /// <summary>
    /// True when the programs are installed (and the process is root, when <paramref name="needsRoot"/>: a Postfix
    /// instance runs its master as root). Where CI set Postfix up (SMARTHOSTLAB_POSTFIX=1) a missing program is
    /// not a reason to skip: the test runs and fails naming it.
    /// </summary>
    public static bool AreAvailable(bool needsRoot, out string reason)
    {
        reason = "";
        if (Environment.GetEnvironmentVariable("SMARTHOSTLAB_POSTFIX") == "1") return true;
        var missing = new[] { SmtpSink, Postfix, Postconf }.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            reason = $"Postfix is not installed ({string.Join(", ", missing)} missing): run .ci/install-postfix.sh as root, or .ci/run";
            return false;
        }
        if (needsRoot && !Environment.IsPrivilegedProcess)
        {
            reason = "a private Postfix instance needs root (postfix -c DIR start)";
            return false;
        }
        return true;
    }

    /// <summary>A loopback port nothing listens on now (the system's choice, released at once).</summary>
    public static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>True once something accepts connections on 127.0.0.1:<paramref name="port"/> (tried every 100 ms, up to <paramref name="limit"/>).</summary>
    public static async Task<bool> WaitForListenerAsync(int port, TimeSpan limit, Func<bool>? gaveUp = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && gaveUp?.Invoke() != true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(2));
                return true;
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                await Task.Delay(100);
            }
        }
        return false;
    }

    /// <summary>Runs a command to its end (60 s at most) and returns its standard output; a non-zero exit throws with both outputs.</summary>
    public static async Task<string> RunAsync(string command, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{command} {string.Join(' ', psi.ArgumentList)} did not end within 60 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', psi.ArgumentList)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
        return await stdout;
    }

    /// <summary>The last <paramref name="lines"/> lines of a text file, or why there are none.</summary>
    public static string Tail(string path, int lines = 30)
    {
        try
        {
            var all = File.ReadAllLines(path);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"({path}: {e.Message})";
        }
    }
}

/// <summary>A fact that runs Postfix's programs itself; skipped with the reason where Postfix is not installed (or, with <c>needsRoot</c>, the tests do not run as root).</summary>
public sealed class PostfixToolsFactAttribute : FactAttribute
{
    /// <summary>Marks the test skipped when the programs (or root) are missing.</summary>
    public PostfixToolsFactAttribute(bool needsRoot = false)
    {
        if (!PostfixTools.AreAvailable(needsRoot, out var reason)) Skip = reason;
    }
}
