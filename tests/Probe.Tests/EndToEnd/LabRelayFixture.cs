using SmarthostLab.Relay.Hosting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Probe.Tests.EndToEnd;

/// <summary>
/// An in-process relay for the end-to-end probe tests: loopback, ephemeral ports, a temp data folder,
/// account "contoso" registering 127.0.0.2 for contoso.test, host name smarthost.test, egress
/// 198.51.100.25, DNS answered only from data/contoso-good.zone.
/// </summary>
public sealed class LabRelayFixture : IAsyncLifetime
{
    private readonly TempFolder dataFolder = new();
    private RunningRelay? relay;

    /// <summary>The running relay.</summary>
    public RunningRelay Relay => relay ?? throw new InvalidOperationException("relay not started");

    /// <summary>--via for the relay's own SMTP port.</summary>
    public string Via => $"127.0.0.1:{Relay.SmtpEndPoint.Port}";

    /// <summary>--relay URL.</summary>
    public string Url => Relay.HttpBaseAddress.ToString().TrimEnd('/');

    /// <inheritdoc />
    public async Task InitializeAsync() => relay = await StartAsync(dataFolder.Path);

    /// <summary>Starts a relay configured as this fixture's, with <paramref name="extra"/> arguments after the lab's.</summary>
    public static async Task<RunningRelay> StartAsync(string dataFolder, params string[] extra) =>
        await RelayHost.StartAsync(
        [
            "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", dataFolder,
            "--zone", TestPaths.Data("contoso-good.zone"),
            "--Logging:LogLevel:Default=Warning",
            "--Smtp:HostName=smarthost.test",
            "--Accounts:0:Name=contoso",
            "--Accounts:0:OutboundServers:0=127.0.0.2",
            "--Accounts:0:Domains:0=contoso.test",
            "--Verification:EgressAddresses:0=198.51.100.25",
            "--Verification:AuthServId=smarthost.test",
            "--Verification:Dns:Offline=true",
            .. extra,
        ]);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (relay is not null)
        {
            await relay.DisposeAsync();
        }

        dataFolder.Dispose();
    }
}
