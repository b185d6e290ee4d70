using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SmarthostLab.Smtp;

namespace SmarthostLab.Bench.Soak;

/// <summary>
/// The flood mode's attackers: <see cref="AttackOptions.Flooders"/> loops connecting as fast as they can, each
/// connection from the next unregistered address of 127.0.0.3…127.0.0.250 (with --ipv6, two loops in eight from ::1).
/// Holding loops keep each connection until the relay closes it (timed against the refused session's bound), the
/// others hang up with a reset as soon as the greeting (or refusal) has arrived (<see cref="AttackOptions.FloodShape"/>:
/// even loops hold and odd ones hang up, or all do the one or the other). Bounded by the attack time and
/// <see cref="AttackOptions.MaxFloodConnections"/>.
/// </summary>
internal sealed class ConnectionFlood(IPEndPoint target, IPEndPoint? target6, AttackOptions options, SmtpOptions smtp, HostileLives lives)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly TimeSpan _bound = smtp.RefusedSessionTimeout + AttackOptions.CloseLinger;
    private long _connections;
    private long _connectFailures;
    private long _next;
    private long _refused554;
    private long _busy421;
    private long _otherGreeting;
    private long _noGreeting;
    private long _ipv6;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _texts = new(StringComparer.Ordinal);

    /// <summary>Connections made.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections from ::1.</summary>
    public long Ipv6Connections => Interlocked.Read(ref _ipv6);

    /// <summary>Connect attempts that failed or timed out.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Connections answered 554 (refused: unregistered address).</summary>
    public long Refused554 => Interlocked.Read(ref _refused554);

    /// <summary>Connections answered 421 (too many connections, in all or from one address).</summary>
    public long Busy421 => Interlocked.Read(ref _busy421);

    /// <summary>Connections answered with another code.</summary>
    public long OtherGreeting => Interlocked.Read(ref _otherGreeting);

    /// <summary>First reply lines other than 554, with their counts (the host name left out).</summary>
    public IReadOnlyDictionary<string, long> OtherReplies => _texts;

    /// <summary>Connections closed (or timed out) before any reply line.</summary>
    public long NoGreeting => Interlocked.Read(ref _noGreeting);

    /// <summary>Starts the flood; the task ends when <paramref name="attackOver"/> is set (or the count is reached) and every held connection has ended.</summary>
    public Task Start(CancellationToken attackOver) =>
        Task.WhenAll(Enumerable.Range(0, options.Flooders).Select(j => Task.Run(() => FlooderAsync(j, attackOver), CancellationToken.None)));

    private async Task FlooderAsync(int index, CancellationToken attackOver)
    {
        var hold = options.FloodShape switch { "hold" => true, "hang-up" => false, _ => index % 2 == 0 };
        var v6 = target6 is not null && index % 8 >= 6; // one holding loop and one hanging up in eight
        var group = $"flood {(hold ? "hold" : "hang-up")}{(v6 ? " ::1" : "")}";
        var buffer = new byte[1024];
        while (!attackOver.IsCancellationRequested && Interlocked.Read(ref _connections) < options.MaxFloodConnections)
        {
            var n = Interlocked.Increment(ref _next);
            var source = v6 ? IPAddress.IPv6Loopback : new IPAddress([127, 0, 0, (byte)(HostileConnections.FirstUnregistered + (n % HostileConnections.UnregisteredAddresses))]);
            var to = v6 ? target6! : target;
            using var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(attackOver);
                connect.CancelAfter(ConnectTimeout);
                await socket.ConnectAsync(to, connect.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                if (attackOver.IsCancellationRequested) return;
                Interlocked.Increment(ref _connectFailures);
                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false); // not a hot loop on an instant error
                continue;
            }
            Interlocked.Increment(ref _connections);
            if (v6) Interlocked.Increment(ref _ipv6);
            var started = Stopwatch.GetTimestamp();
            // Held or not, a connection is never followed past its bound and the grace.
            using var deadline = new CancellationTokenSource(_bound + options.Grace);
            var (code, closed) = await ReadGreetingAsync(socket, buffer, deadline.Token).ConfigureAwait(false);
            Count(code);
            if (code != 554 && code != 0 && _texts.Count < 20) _texts.AddOrUpdate(ReplyText(buffer), 1, static (_, n) => n + 1);
            if (hold)
            {
                if (!closed) closed = await ReadToEndAsync(socket, buffer, deadline.Token).ConfigureAwait(false);
                lives.Add(group, Stopwatch.GetElapsedTime(started), _bound, closed ? LifeOutcome.ClosedByRelay : LifeOutcome.OutlivedBound);
            }
            socket.LingerState = new LingerOption(true, 0); // hang up with a reset, as a flooder would; no TIME_WAIT
        }
    }

    private void Count(int code)
    {
        switch (code)
        {
            case 554: Interlocked.Increment(ref _refused554); break;
            case 421: Interlocked.Increment(ref _busy421); break;
            case 0: Interlocked.Increment(ref _noGreeting); break;
            default: Interlocked.Increment(ref _otherGreeting); break;
        }
    }

    /// <summary>Reads up to the end of the first reply line: its code (0 when none came) and whether the relay closed meanwhile.</summary>
    private static async Task<(int Code, bool Closed)> ReadGreetingAsync(Socket socket, byte[] buffer, CancellationToken deadline)
    {
        var length = 0;
        try
        {
            while (length < buffer.Length)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, deadline).ConfigureAwait(false);
                if (n == 0) return (Code(buffer, length), true);
                length += n;
                if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0) return (Code(buffer, length), false);
            }
            return (Code(buffer, length), false);
        }
        catch (SocketException)
        {
            return (Code(buffer, length), true);
        }
        catch (OperationCanceledException)
        {
            return (Code(buffer, length), false);
        }
    }

    /// <summary>Reads until the relay closes the connection (true) or the deadline (false).</summary>
    private static async Task<bool> ReadToEndAsync(Socket socket, byte[] buffer, CancellationToken deadline)
    {
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline).ConfigureAwait(false) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The first reply line without its host name ("421 4.7.0 relay.smarthostlab.test too many…" → "421 4.7.0 too many…").</summary>
    private static string ReplyText(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)'\r');
        var line = System.Text.Encoding.ASCII.GetString(buffer, 0, end < 0 ? Math.Min(buffer.Length, 120) : end);
        var words = line.Split(' ');
        return words.Length > 3 && words[2].Contains('.', StringComparison.Ordinal) ? string.Join(' ', words.Take(2).Concat(words.Skip(3))) : line;
    }

    private static int Code(byte[] buffer, int length) =>
        length >= 3 && buffer[0] is >= (byte)'1' and <= (byte)'5' && char.IsAsciiDigit((char)buffer[1]) && char.IsAsciiDigit((char)buffer[2])
            ? ((buffer[0] - '0') * 100) + ((buffer[1] - '0') * 10) + (buffer[2] - '0')
            : 0;
}
