using System.Diagnostics;

namespace SmarthostLab.Probe.Tests.EndToEnd;

/// <summary>The built probe run as a real process: the exit codes the shell sees.</summary>
public sealed class ProbeProcessTests(LabRelayFixture lab) : IClassFixture<LabRelayFixture>
{
    [Fact]
    public async Task Exit_codes_of_the_real_process()
    {
        Assert.Equal(0, (await RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-good.json"), "--smarthost", "smarthost.test")).ExitCode);
        Assert.Equal(1, (await RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2003-broken.ldf"))).ExitCode);
        Assert.Equal(2, (await RunAsync("connector", "lint")).ExitCode);

        var refused = await RunAsync("send", "--via", lab.Via, "--bind", "127.0.0.3", "--from", "alice@contoso.test", "--to", "bob@example.com", "--relay", lab.Url, "--timeout", "10", "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not a registered outbound server", refused.Out, StringComparison.Ordinal);

        var arrived = await RunAsync("send", "--via", lab.Via, "--bind", "127.0.0.2", "--from", "alice@contoso.test", "--to", "bob@example.com", "--relay", lab.Url, "--timeout", "10");
        Assert.True(arrived.ExitCode == 0, arrived.Out + arrived.Error);
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "smarthostlab-probe.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
