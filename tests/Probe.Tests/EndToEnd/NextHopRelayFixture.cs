using SmarthostLab.Relay.Hosting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Probe.Tests.EndToEnd;

/// <summary>
/// The lab relay of <see cref="LabRelayFixture"/> in <c>Delivery:Mode=NextHop</c>, sending on to a scripted next hop
/// that accepts every message except those for <see cref="Refused"/> (550, a bounce) and <see cref="Deferred"/>
/// (451; the relay retries only after a minute, so it stays deferred for the length of a test).
/// </summary>
public sealed class NextHopRelayFixture : IAsyncLifetime
{
    /// <summary>A recipient the next hop refuses for good.</summary>
    public const string Refused = "gone@example.com";

    /// <summary>A recipient the next hop defers.</summary>
    public const string Deferred = "later@example.com";

    private readonly TempFolder dataFolder = new();
    private RunningRelay? relay;

    /// <summary>The next hop.</summary>
    public ScriptedSmtpServer NextHop { get; } = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
    {
        MessageReply = t => t.AcceptedRecipients.Contains(Refused) ? "550 5.1.1 no such user"
            : t.AcceptedRecipients.Contains(Deferred) ? "451 4.3.0 try again later"
            : null,
    });

    /// <summary>--via for the relay's own SMTP port.</summary>
    public string Via => $"127.0.0.1:{Relay.SmtpEndPoint.Port}";

    /// <summary>--relay URL.</summary>
    public string Url => Relay.HttpBaseAddress.ToString().TrimEnd('/');

    private RunningRelay Relay => relay ?? throw new InvalidOperationException("relay not started");

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        relay = await LabRelayFixture.StartAsync(dataFolder.Path, "--Delivery:Mode=NextHop", $"--Delivery:NextHop=[127.0.0.1]:{NextHop.Port}");

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (relay is not null)
        {
            await relay.DisposeAsync();
        }

        await NextHop.DisposeAsync();
        dataFolder.Dispose();
    }
}
