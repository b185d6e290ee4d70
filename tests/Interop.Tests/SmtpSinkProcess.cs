using System.Diagnostics;
using System.Text;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Postfix's smtp-sink(1) on a free loopback port, dumping every transaction to its own file (<c>-d</c>) in a temp
/// folder. A dump is smtp-sink's header lines (X-Client-Addr, X-Client-Proto, X-Helo-Args, X-Mail-Args, one
/// X-Rcpt-Args per RCPT, a three-line Received), then the message as received (dot-unstuffed, each line ended by LF
/// instead of CRLF), then an empty line. Stopped (killed, by its process id) and its folder deleted on dispose.
/// </summary>
public sealed class SmtpSinkProcess : IAsyncDisposable
{
    private readonly TempFolder _folder;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SmtpSinkProcess(TempFolder folder, Process process, int port)
    {
        _folder = folder;
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>Where the dumps go, one file per transaction.</summary>
    public string DumpFolder => Path.Combine(_folder.Path, "dump");

    /// <summary>What smtp-sink wrote to its standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts smtp-sink; a port taken meanwhile is tried again with another (three times).</summary>
    public static async Task<SmtpSinkProcess> StartAsync()
    {
        var folder = new TempFolder();
        var errors = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = PostfixTools.FreeLoopbackPort();
            var psi = new ProcessStartInfo(PostfixTools.SmtpSink) { RedirectStandardOutput = true, RedirectStandardError = true };
            // As root smtp-sink must be told whose privileges to take after binding (-u); root keeps the folder writable.
            if (Environment.IsPrivilegedProcess) psi.ArgumentList.Add("-u");
            if (Environment.IsPrivilegedProcess) psi.ArgumentList.Add("root");
            foreach (var argument in new[] { "-d", Path.Combine(folder.Path, "dump", "m."), $"127.0.0.1:{port}", "100" }) psi.ArgumentList.Add(argument);
            var sink = new SmtpSinkProcess(folder, Process.Start(psi) ?? throw new InvalidOperationException("could not start smtp-sink"), port);
            if (await PostfixTools.WaitForListenerAsync(port, TimeSpan.FromSeconds(10), () => sink._process.HasExited)) return sink;
            errors.Add($"port {port}: {sink.Output}");
            await sink.StopAsync();
        }
        folder.Dispose();
        throw new InvalidOperationException("smtp-sink did not start: " + string.Join("; ", errors));
    }

    /// <summary>The dumps written so far, by name.</summary>
    public IReadOnlyList<string> Dumps() =>
        Directory.Exists(DumpFolder) ? [.. Directory.GetFiles(DumpFolder).Order(StringComparer.Ordinal)] : [];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _folder.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
