using System.Diagnostics.Metrics;

namespace SmarthostLab.Smtp.Server;

/// <summary>
/// The SMTP layer's instruments on the Meter "SmarthostLab.Smtp": smtp.connections, smtp.connections.active,
/// smtp.bytes.received, smtp.commands (tag command), smtp.refusals (tag reason).
/// </summary>
public sealed class SmtpMetrics : IDisposable
{
    /// <summary>The meter name exporters subscribe to.</summary>
    public const string MeterName = "SmarthostLab.Smtp";

    private static readonly string[] CommandNames =
        Enum.GetNames<Protocol.SmtpCommandKind>().Select(n => n.ToUpperInvariant()).ToArray();

    private readonly Meter _meter;
    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _refusals;

    /// <summary>Creates the instruments through <paramref name="meterFactory"/> (DI) or a private meter (tests).</summary>
    public SmtpMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = _meter.CreateCounter<long>("smtp.connections", "{connection}", "SMTP connections accepted");
        _active = _meter.CreateUpDownCounter<long>("smtp.connections.active", "{connection}", "SMTP connections open now");
        // "{byte}", not "By": the Prometheus exporter would append "_bytes" and the series has been smtp_bytes_received_total.
        _bytes = _meter.CreateCounter<long>("smtp.bytes.received", "{byte}", "Octets received from SMTP clients");
        _commands = _meter.CreateCounter<long>("smtp.commands", "{command}", "SMTP commands received");
        _refusals = _meter.CreateCounter<long>("smtp.refusals", "{refusal}", "Refusals sent by the SMTP layer or its handler");
    }

    /// <summary>The meter behind the instruments (tests listen to this instance only).</summary>
    internal Meter Meter => _meter;

    /// <summary>A connection was accepted (before limits).</summary>
    public void ConnectionOpened()
    {
        _connections.Add(1);
        _active.Add(1);
    }

    /// <summary>A connection closed.</summary>
    public void ConnectionClosed() => _active.Add(-1);

    /// <summary>Octets read from a client.</summary>
    public void BytesReceived(long octets)
    {
        if (octets > 0) _bytes.Add(octets);
    }

    /// <summary>One command line of the given kind.</summary>
    public void Command(Protocol.SmtpCommandKind kind) =>
        _commands.Add(1, new KeyValuePair<string, object?>("command", CommandNames[(int)kind]));

    /// <summary>One refusal with its reason.</summary>
    public void Refusal(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
