using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Bench.Load;

namespace SmarthostLab.Bench.Soak;

/// <summary>What the registered clients saw in one phase (warm-up, baseline or attack) of an attack run.</summary>
internal sealed class SenderPhase
{
    private readonly ConcurrentDictionary<string, int> _problems = new(StringComparer.Ordinal);
    private int _sessions;
    private int _refusedAtConnect;
    private int _connectErrors;
    private int _sessionErrors;
    private int _attempted;
    private int _accepted;
    private int _messagesRefused;

    /// <summary>Connections tried.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Connections answered with something else than 220 (421 too many connections…).</summary>
    public int RefusedAtConnect => Volatile.Read(ref _refusedAtConnect);

    /// <summary>Connections that failed or timed out before a greeting.</summary>
    public int ConnectErrors => Volatile.Read(ref _connectErrors);

    /// <summary>Sessions that broke (reset, timeout, unexpected reply) after the greeting.</summary>
    public int SessionErrors => Volatile.Read(ref _sessionErrors);

    /// <summary>Messages begun (MAIL FROM sent).</summary>
    public int Attempted => Volatile.Read(ref _attempted);

    /// <summary>Messages answered 250 after their data.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Messages refused (a 4xx/5xx to MAIL, RCPT, DATA or the data).</summary>
    public int MessagesRefused => Volatile.Read(ref _messagesRefused);

    /// <summary>MAIL FROM to the 250 after the data.</summary>
    public Latencies Message { get; } = new();

    /// <summary>Connect to the 220 greeting.</summary>
    public Latencies Connect { get; } = new();

    /// <summary>Each distinct problem seen (reply or error) with its count.</summary>
    public IReadOnlyDictionary<string, int> Problems => _problems;

    public void SessionStarted() => Interlocked.Increment(ref _sessions);

    public void MessageStarted() => Interlocked.Increment(ref _attempted);

    public void MessageAccepted(TimeSpan latency)
    {
        Interlocked.Increment(ref _accepted);
        Message.Add(latency);
    }

    public void Refused(int code, string text, bool atConnect)
    {
        if (atConnect) Interlocked.Increment(ref _refusedAtConnect);
        else Interlocked.Increment(ref _messagesRefused);
        Problem($"{code} {text}");
    }

    public void ConnectFailed(string what)
    {
        Interlocked.Increment(ref _connectErrors);
        Problem(what);
    }

    public void SessionFailed(string what)
    {
        Interlocked.Increment(ref _sessionErrors);
        Problem(what);
    }

    private void Problem(string what)
    {
        if (_problems.Count < 20 || _problems.ContainsKey(what)) _problems.AddOrUpdate(what, 1, static (_, n) => n + 1);
    }
}

/// <summary>
/// The registered servers of an attack run: <see cref="AttackOptions.Clients"/> clients bound to 127.0.0.2, each
/// sending <see cref="AttackOptions.PerSession"/> messages a session, then QUIT and a new connection, paced to
/// <see cref="AttackOptions.Rate"/> in all. Each client is a thread of its own with blocking sockets, so its
/// latencies are the relay's and the machine's, not the wait of its continuations behind the attackers' in the
/// bench's thread pool. A stop request ends a client between messages, so the message in flight is finished (every
/// wait is bounded by <see cref="ConnectTimeout"/> or <see cref="ReplyTimeout"/>) and every attempt has an outcome.
/// </summary>
internal sealed class RegisteredSenders(IPEndPoint target, IPAddress bind, string domain, AttackOptions options)
{
    /// <summary>Longest wait for a connection.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for one reply (or one write).</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly SenderPhase[] _phases = [new(), new(), new()];
    private int _phase;
    private long _sequence;

    /// <summary>Before the baseline, not reported.</summary>
    public const int WarmupPhase = 0;

    /// <summary>Registered load alone.</summary>
    public const int BaselinePhase = 1;

    /// <summary>Registered load under attack.</summary>
    public const int AttackPhase = 2;

    /// <summary>What one phase saw.</summary>
    public SenderPhase this[int phase] => _phases[phase];

    /// <summary>Counts what follows in <paramref name="phase"/>.</summary>
    public void Enter(int phase) => Volatile.Write(ref _phase, phase);

    private SenderPhase Current => _phases[Volatile.Read(ref _phase)];

    /// <summary>Runs every client on a thread of its own until <paramref name="stop"/>; completes once each has finished its message.</summary>
    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, options.Clients).Select(_ =>
            Task.Factory.StartNew(() => Client(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

    private void Client(CancellationToken stop)
    {
        var interval = options.Rate > 0 ? Stopwatch.Frequency * options.Clients / (double)options.Rate : 0;
        var due = (double)Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            var phase = Current;
            phase.SessionStarted();
            var started = Stopwatch.GetTimestamp();
            using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
                ReceiveTimeout = (int)ReplyTimeout.TotalMilliseconds,
                SendTimeout = (int)ReplyTimeout.TotalMilliseconds,
            };
            if (Connect(socket) is { } failure)
            {
                phase.ConnectFailed(failure);
                Pause(stop);
                continue;
            }
            try
            {
                using var stream = new NetworkStream(socket, ownsSocket: false);
                var reader = new ReplyReader(stream);
                var greeting = reader.Read(null);
                if (greeting != 220)
                {
                    phase.Refused(greeting, reader.LastNegativeText, atConnect: true);
                    Pause(stop);
                    continue;
                }
                phase.Connect.Add(Stopwatch.GetElapsedTime(started));
                stream.Write("EHLO registered.smarthostlab.test\r\n"u8);
                var ehlo = reader.Read(null);
                if (ehlo != 250)
                {
                    Current.Refused(ehlo, reader.LastNegativeText, atConnect: true);
                    Pause(stop);
                    continue;
                }
                for (var m = 0; m < options.PerSession; m++)
                {
                    if (interval > 0)
                    {
                        var now = Stopwatch.GetTimestamp();
                        due = Math.Max(due + interval, now - Stopwatch.Frequency); // no burst to catch up more than 1 s
                        var wait = (due - now) / Stopwatch.Frequency;
                        if (wait > 0 && stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(wait))) break;
                    }
                    if (stop.IsCancellationRequested) break;
                    SendOne(stream, reader, Current);
                }
                stream.Write("QUIT\r\n"u8);
                reader.Read(null);
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ObjectDisposedException)
            {
                var timedOut = e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut } } or SocketException { SocketErrorCode: SocketError.TimedOut };
                Current.SessionFailed(timedOut ? $"no reply within {ReplyTimeout.TotalSeconds} s" : $"{e.GetType().Name}: {e.Message}");
                Pause(stop);
            }
        }
    }

    /// <summary>Connects within <see cref="ConnectTimeout"/>; null, or what went wrong.</summary>
    private string? Connect(Socket socket)
    {
        try
        {
            socket.Bind(new IPEndPoint(bind, 0));
            socket.Blocking = false;
            try
            {
                socket.Connect(target);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                if (!socket.Poll(ConnectTimeout, SelectMode.SelectWrite)) return $"connect: no answer within {ConnectTimeout.TotalSeconds} s";
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success) return $"connect: {error}";
            }
            socket.Blocking = true;
            return null;
        }
        catch (SocketException e)
        {
            return $"connect: {e.SocketErrorCode}";
        }
    }

    /// <summary>One message: MAIL, RCPT, DATA, the data; a refusal is counted and the transaction reset.</summary>
    private void SendOne(NetworkStream stream, ReplyReader reader, SenderPhase phase)
    {
        phase.MessageStarted();
        var started = Stopwatch.GetTimestamp();
        var token = $"attack-{Interlocked.Increment(ref _sequence)}";
        stream.Write(Encoding.ASCII.GetBytes($"MAIL FROM:<bench@{domain}>\r\n"));
        var mail = reader.Read(null);
        var rcpt = 0;
        if (mail == 250)
        {
            stream.Write("RCPT TO:<rcpt@example.com>\r\n"u8);
            rcpt = reader.Read(null);
        }
        var data = 0;
        if (rcpt == 250)
        {
            stream.Write("DATA\r\n"u8);
            data = reader.Read(null);
        }
        if (data != 354)
        {
            phase.Refused(data != 0 ? data : rcpt != 0 ? rcpt : mail, reader.LastNegativeText, atConnect: false);
            stream.Write("RSET\r\n"u8);
            reader.Read(null);
            return;
        }
        stream.Write(SoakCommand.Message(domain, token));
        var final = reader.Read(null);
        if (final == 250) phase.MessageAccepted(Stopwatch.GetElapsedTime(started));
        else phase.Refused(final, reader.LastNegativeText, atConnect: false);
    }

    /// <summary>A short pause after a failure, so a refusing relay is not hammered by its own registered clients.</summary>
    private static void Pause(CancellationToken stop) => stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
}
