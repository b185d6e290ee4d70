using System.Diagnostics;
using System.Net.Http.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

public sealed class ShutdownAndTlsTests
{
    [Fact]
    public async Task A_session_in_DATA_finishes_its_message_during_a_graceful_stop()
    {
        using var folder = new TempFolder();
        await using (var relay = await TestRelay.StartInAsync(folder.Path))
        {
            await using var client = await relay.OpenDataAsync();
            await client.SendAsync("Subject: drained\r\n\r\nfirst part\r\n");

            var stopping = relay.Relay.StopAsync();
            await Task.Delay(300);
            Assert.False(stopping.IsCompleted);
            await client.SendAsync("second part\r\n.\r\n");
            Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReadReplyAsync());
            await client.SendAsync("QUIT\r\n");
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        }
        await using var restarted = await TestRelay.StartInAsync(folder.Path);
        Assert.Equal("drained", Assert.Single((await restarted.MessagesAsync()).Messages).Subject);
    }

    [Fact]
    public async Task Implicit_tls_endpoint_greets_inside_tls()
    {
        await using var relay = await TestRelay.StartAsync("--Smtp:ImplicitTlsListen=127.0.0.1:0");
        var endpoint = relay.Relay.SmtpImplicitTlsEndPoint!;
        Assert.NotEqual(0, endpoint.Port);
        await using var client = await RawSmtpClient.ConnectAsync(endpoint, TestRelay.Registered);
        await client.StartTlsAsync("localhost");
        Assert.StartsWith("220 relay.test", await client.ReadReplyAsync());

        var info = await relay.Http.GetFromJsonAsync("/api/v1/info", RelayJson.Context.InfoResponse);
        Assert.Contains(info!.Smtp, e => e.Tls == "implicit" && e.Endpoint == endpoint.ToString());
    }

    [Fact]
    public async Task The_relay_process_exits_0_on_SIGTERM_and_logs_its_ports()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var relay = await RelayProcess.StartAsync();
        var process = relay.Process;
        Assert.Matches(@"^127\.0\.0\.1:\d+$", relay.SmtpEndpoint);
        using (Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) { }
        var rest = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Store flushed and closed", await rest);
        Assert.Equal("", (await relay.StandardError).Trim());
    }
}
