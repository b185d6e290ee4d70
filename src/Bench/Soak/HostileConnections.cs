using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Smtp;

namespace SmarthostLab.Bench.Soak;

/// <summary>
/// The hostile clients of the slow-reader mode: <see cref="AttackOptions.Attackers"/> connections kept open at once
/// (each reopened when the relay closes it, until the attack is over), the first
/// <see cref="AttackOptions.RegisteredAttackers"/> from registered addresses 127.0.1.1…, the rest from unregistered
/// 127.0.0.3…127.0.0.250, each with one <see cref="HostileShape"/>. Every connection's life is timed without reading,
/// on both sides (<see cref="TcpState"/>: the client's socket; <see cref="RelaySideSockets"/>: the relay's), and held
/// against its bound: the relay's timeout for it plus the close linger, plus the grace.
/// </summary>
internal sealed class HostileConnections(IPEndPoint target, string domain, AttackOptions options, SmtpOptions smtp, HostileLives lives, RelaySideSockets? relaySide)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private int _opened;
    private int _connectFailures;
    private int _open;

    /// <summary>Connections opened.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections that could not be opened.</summary>
    public int ConnectFailures => Volatile.Read(ref _connectFailures);

    /// <summary>The first unregistered source address (127.0.0.2 is the registered clients').</summary>
    public const int FirstUnregistered = 3;

    /// <summary>The unregistered source addresses in turn: 127.0.0.3…127.0.0.250.</summary>
    public const int UnregisteredAddresses = 248;

    /// <summary>
    /// How long the relay may keep a connection: an unregistered one is refused and lives at most
    /// <see cref="SmtpOptions.RefusedSessionTimeout"/>; a registered one that does not take its replies is cut off
    /// after <see cref="SmtpOptions.CommandTimeout"/>; a registered one sending DATA a byte at a time falls behind
    /// <see cref="SmtpOptions.MinDataRate"/> and is cut off once its data is <see cref="SmtpOptions.DataTimeout"/> late
    /// (without a minimum rate it has no bound while its interval is under DataTimeout, a time between reads). Plus
    /// one interval (the read that finds it late) and the linger.
    /// </summary>
    public static TimeSpan? Bound(bool registered, HostileShape shape, SmtpOptions smtp, TimeSpan interval)
    {
        if (!registered) return smtp.RefusedSessionTimeout + AttackOptions.CloseLinger;
        if (shape == HostileShape.SlowData)
        {
            var rate = 1 / interval.TotalSeconds; // octets per second
            if (smtp.MinDataRate > 0 && rate < smtp.MinDataRate)
                return TimeSpan.FromSeconds(smtp.DataTimeout.TotalSeconds / (1 - rate / smtp.MinDataRate)) + interval + AttackOptions.CloseLinger;
            return interval < smtp.DataTimeout ? null : smtp.DataTimeout + AttackOptions.CloseLinger;
        }
        return smtp.CommandTimeout + AttackOptions.CloseLinger;
    }

    /// <summary>
    /// Starts the connections. <paramref name="attackOver"/>: no new connection after it; a bounded connection is
    /// then followed until it is closed or outlives its bound. <paramref name="finalStop"/>: the unbounded ones are
    /// let go (the relay has been stopped by then). Returns the workers of bounded connections and the unbounded ones.
    /// </summary>
    public (Task Bounded, Task Unbounded) Start(CancellationToken attackOver, CancellationToken finalStop)
    {
        var bounded = new List<Task>();
        var unbounded = new List<Task>();
        for (var i = 0; i < options.Attackers; i++)
        {
            var registered = i < options.RegisteredAttackers;
            var shape = options.Shapes[i % options.Shapes.Count];
            var source = registered
                ? new IPAddress([127, 0, 1, (byte)(1 + (i % 254))])
                : new IPAddress([127, 0, 0, (byte)(FirstUnregistered + ((i - options.RegisteredAttackers) % UnregisteredAddresses))]);
            var bound = Bound(registered, shape, smtp, options.Interval);
            var group = $"{(registered ? "registered" : "unregistered")} {AttackOptions.Name(shape)}";
            var worker = Task.Run(() => WorkerAsync(source, registered, shape, group, bound, attackOver, finalStop), CancellationToken.None);
            (bound is null ? unbounded : bounded).Add(worker);
        }
        return (Task.WhenAll(bounded), Task.WhenAll(unbounded));
    }

    private async Task WorkerAsync(IPAddress source, bool registered, HostileShape shape, string group, TimeSpan? bound, CancellationToken attackOver, CancellationToken finalStop)
    {
        while (!attackOver.IsCancellationRequested && !finalStop.IsCancellationRequested)
            await OneAsync(source, registered, shape, group, bound, attackOver, finalStop).ConfigureAwait(false);
    }

    private async Task OneAsync(IPAddress source, bool registered, HostileShape shape, string group, TimeSpan? bound, CancellationToken attackOver, CancellationToken finalStop)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A small window, so the relay's replies back up at once when the client does not read them.
            if (shape != HostileShape.SlowData) socket.ReceiveBufferSize = 1024;
            socket.Bind(new IPEndPoint(source, 0));
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(attackOver);
            connect.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(target, connect.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            if (attackOver.IsCancellationRequested) return;
            Interlocked.Increment(ref _connectFailures);
            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _opened);
        Interlocked.Increment(ref _open);
        var started = Stopwatch.GetTimestamp();
        var client = (IPEndPoint)socket.LocalEndPoint!;
        var seenOnRelaySide = false;
        var finBehindData = false;
        using var behaviour = new CancellationTokenSource();
        var running = Task.Run(() => BehaveAsync(socket, registered, shape, behaviour.Token), CancellationToken.None);
        LifeOutcome outcome;
        while (true)
        {
            try
            {
                await Task.Delay(Poll, finalStop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                outcome = LifeOutcome.OpenAtEnd;
                break;
            }
            var relayHolds = relaySide?.IsEstablished(client, started);
            seenOnRelaySide |= relayHolds == true;
            var clientSees = TcpState.IsEstablished(socket);
            // The relay's side counts once it was seen: a snapshot may come before the relay took the connection.
            if (!clientSees || (seenOnRelaySide && relayHolds == false))
            {
                finBehindData = clientSees;
                outcome = lives.RelayStopping ? LifeOutcome.ClosedAtShutdown : LifeOutcome.ClosedByRelay;
                break;
            }
            if (bound is { } b && Stopwatch.GetElapsedTime(started) > b + options.Grace)
            {
                outcome = LifeOutcome.OutlivedBound;
                break;
            }
        }
        var lifetime = Stopwatch.GetElapsedTime(started);
        await behaviour.CancelAsync().ConfigureAwait(false);
        socket.LingerState = new LingerOption(true, 0); // reset: no TIME_WAIT left behind
        socket.Dispose();
        Interlocked.Decrement(ref _open);
        await running.ConfigureAwait(false);
        lives.Add(group, lifetime, bound, outcome, finBehindData);
    }

    /// <summary>What the connection does; ends quietly when the connection is closed or the run lets it go.</summary>
    private async Task BehaveAsync(Socket socket, bool registered, HostileShape shape, CancellationToken stop)
    {
        try
        {
            switch (shape)
            {
                case HostileShape.Pipeline:
                    await socket.SendAsync("EHLO hostile.smarthostlab.test\r\n"u8.ToArray(), SocketFlags.None, stop).ConfigureAwait(false);
                    var noops = Noops(8 * 1024);
                    while (true) await socket.SendAsync(noops, SocketFlags.None, stop).ConfigureAwait(false);
                case HostileShape.Trickle:
                    await socket.SendAsync("EHLO hostile.smarthostlab.test\r\n"u8.ToArray(), SocketFlags.None, stop).ConfigureAwait(false);
                    await socket.SendAsync(Noops(64 * 1024), SocketFlags.None, stop).ConfigureAwait(false);
                    var one = new byte[1];
                    while (await socket.ReceiveAsync(one, SocketFlags.None, stop).ConfigureAwait(false) > 0)
                        await Task.Delay(options.Interval, stop).ConfigureAwait(false);
                    return;
                default:
                    await SlowDataAsync(socket, registered, stop).ConfigureAwait(false);
                    return;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The relay closed the connection, or the run let it go.
        }
    }

    /// <summary>Slowloris: a transaction up to DATA, then one byte of a message that never ends every interval; replies are read.</summary>
    private async Task SlowDataAsync(Socket socket, bool registered, CancellationToken stop)
    {
        var commands = Encoding.ASCII.GetBytes(
            $"EHLO hostile.smarthostlab.test\r\nMAIL FROM:<hostile@{domain}>\r\nRCPT TO:<rcpt@example.com>\r\nDATA\r\n");
        await socket.SendAsync(commands, SocketFlags.None, stop).ConfigureAwait(false);
        var goAhead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = DrainAsync(socket, goAhead, stop);
        // A refused session never gets its 354; it trickles all the same.
        await Task.WhenAny(goAhead.Task, Task.Delay(TimeSpan.FromSeconds(registered ? 10 : 1), stop)).ConfigureAwait(false);
        var header = Encoding.ASCII.GetBytes($"From: <hostile@{domain}>\r\nTo: <rcpt@example.com>\r\nSubject: one byte at a time\r\n\r\n");
        var one = new byte[1];
        for (long i = 0; !reading.IsCompleted; i++)
        {
            one[0] = i < header.Length ? header[i] : (i - header.Length) % 72 == 70 ? (byte)'\r' : (i - header.Length) % 72 == 71 ? (byte)'\n' : (byte)'x';
            await socket.SendAsync(one, SocketFlags.None, stop).ConfigureAwait(false);
            await Task.Delay(options.Interval, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Reads and drops the replies; completes <paramref name="goAhead"/> at the 354. Ends at the end of the connection.</summary>
    private static async Task DrainAsync(Socket socket, TaskCompletionSource goAhead, CancellationToken stop)
    {
        var buffer = new byte[4096];
        var seen = new StringBuilder();
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false)) > 0)
            {
                if (goAhead.Task.IsCompleted) continue;
                seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                if (seen.ToString().Contains("\n354", StringComparison.Ordinal)) goAhead.TrySetResult();
                if (seen.Length > 64 * 1024) seen.Clear();
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed.
        }
    }

    private static byte[] Noops(int size)
    {
        var noop = "NOOP\r\n"u8;
        var bytes = new byte[size / noop.Length * noop.Length];
        for (var i = 0; i < bytes.Length; i += noop.Length) noop.CopyTo(bytes.AsSpan(i));
        return bytes;
    }
}
