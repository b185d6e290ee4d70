using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;

namespace SmarthostLab.Tests.Support;

/// <summary>
/// A scriptable SMTP server on a loopback port, for tests of anything that sends mail onward (the relay's SMTP client
/// and delivery queue): it answers every command with an ordinary accepting reply unless the test's rules say
/// otherwise, and records every command line, reply and message. Free of any test framework.
/// </summary>
/// <remarks>
/// <para>Defaults: greeting "220 {HostName} ESMTP ScriptedSmtpServer"; EHLO "250-{HostName}" then
/// <see cref="ScriptedSmtpServerOptions.Capabilities"/> (plus STARTTLS with a certificate); HELO "250 {HostName}";
/// MAIL "250 2.1.0 Ok" (503 inside a transaction); RCPT "250 2.1.5 Ok" (503 without MAIL); DATA "354 End data with
/// &lt;CR&gt;&lt;LF&gt;.&lt;CR&gt;&lt;LF&gt;" (503 without MAIL, 554 without an accepted recipient); BDAT
/// "250 2.0.0 {n} octets received" (same checks, the chunk always read first); end of content "250 2.0.0 Ok: queued
/// as {Number}"; RSET and NOOP "250 2.0.0 Ok"; STARTTLS "220 2.0.0 Ready to start TLS" (502 without a certificate,
/// 503 under TLS); QUIT "221 2.0.0 Bye" and close; VRFY 252; anything else "500 5.5.2 Command unrecognized".
/// Any 421 reply closes the connection after it is sent.</para>
/// <para>DATA content is dot-unstuffed and ends at a "." line; like many MTAs the server takes any LF as a line end
/// for both. Replies to pipelined commands are sent one by one as the commands are read.</para>
/// <para>A rule that throws, or a server fault, is kept and thrown again (as an <see cref="AggregateException"/>) by
/// <see cref="DisposeAsync"/>, so an assertion inside a rule fails the test.</para>
/// <example>
/// <code>
/// await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
/// {
///     Capabilities = ["PIPELINING", "ENHANCEDSTATUSCODES"],                       // no CHUNKING, no 8BITMIME
///     Reply = c =&gt; c.Verb == "RCPT" &amp;&amp; c.Address == "gone@example.com" ? "550 5.1.1 no such user" : null,
///     MessageReply = t =&gt; t.Number == 1 ? "451 4.3.0 try again later" : null, // the retry gets 250
/// });
/// // … send to server.EndPoint …
/// var delivered = await server.WaitForMessageAsync(t =&gt; t.EndReply!.StartsWith("250"));
/// Assert.Equal(expectedBytes, delivered.Content);
/// </code>
/// </example>
/// </remarks>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<ScriptedConnection> _connections = [];
    private readonly List<ScriptedTransaction> _transactions = [];
    private readonly List<Task> _sessions = [];
    private readonly List<Exception> _failures = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ScriptedSmtpServer(ScriptedSmtpServerOptions options)
    {
        Options = options;
        _listener = new Socket(options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(options.Address, options.Port));
        _listener.Listen(100);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The script.</summary>
    public ScriptedSmtpServerOptions Options { get; }

    /// <summary>Where it listens, e.g. 127.0.0.1:41234.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => EndPoint.Port;

    /// <summary>Every connection accepted so far, in order.</summary>
    public IReadOnlyList<ScriptedConnection> Connections
    {
        get
        {
            lock (_gate) return [.. _connections];
        }
    }

    /// <summary>Every transaction begun so far (accepted MAIL FROM), over all connections, in order.</summary>
    public IReadOnlyList<ScriptedTransaction> Transactions
    {
        get
        {
            lock (_gate) return [.. _transactions];
        }
    }

    /// <summary>Starts listening on <see cref="ScriptedSmtpServerOptions.Address"/> and <see cref="ScriptedSmtpServerOptions.Port"/> (0: any free port).</summary>
    public static ScriptedSmtpServer Start(ScriptedSmtpServerOptions? options = null) => new(options ?? new ScriptedSmtpServerOptions());

    /// <summary>
    /// Waits for a transaction whose content has ended (and whose end reply is decided) and that matches
    /// <paramref name="match"/> (any, when null); one already there is returned at once.
    /// </summary>
    /// <exception cref="TimeoutException">None within <paramref name="timeout"/> (30 s when null); the message lists what was seen.</exception>
    public async Task<ScriptedTransaction> WaitForMessageAsync(Func<ScriptedTransaction, bool>? match = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var found = _transactions.FirstOrDefault(t => t.Completed && (match is null || match(t)));
                if (found is not null) return found;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching message within {limit}; transactions seen: {string.Join(" | ", Transactions)}");
            }
        }
    }

    /// <summary>Stops listening, closes every connection, and throws what rules or sessions threw unexpectedly.</summary>
    /// <exception cref="AggregateException">A rule threw, or the server failed.</exception>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] sessions;
        lock (_gate) sessions = [.. _sessions];
        await Task.WhenAll(sessions);
        _stop.Dispose();
        lock (_gate)
        {
            if (_failures.Count > 0) throw new AggregateException("ScriptedSmtpServer: a rule or a session failed", _failures);
        }
    }

    /// <summary>Records a transaction begun by an accepted MAIL FROM, numbered over all connections.</summary>
    internal ScriptedTransaction BeginTransaction(ScriptedConnection connection, ScriptedCommand mail)
    {
        lock (_gate)
        {
            var transaction = new ScriptedTransaction(_transactions.Count + 1, mail);
            _transactions.Add(transaction);
            connection.Add(transaction);
            return transaction;
        }
    }

    /// <summary>Wakes <see cref="WaitForMessageAsync"/> callers after a transaction changed.</summary>
    internal void NotifyChanged()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                var connection = new ScriptedConnection(_connections.Count + 1, (IPEndPoint)socket.RemoteEndPoint!);
                _connections.Add(connection);
                _sessions.Add(RunSessionAsync(socket, connection));
            }
        }
    }

    private async Task RunSessionAsync(Socket socket, ScriptedConnection connection)
    {
        await Task.Yield();
        var session = new ScriptedSmtpSession(this, socket, connection);
        try
        {
            await session.RunAsync(_stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or AuthenticationException
                                   || (ex is OperationCanceledException && _stop.IsCancellationRequested))
        {
            connection.Error ??= ex.GetType().Name + ": " + ex.Message;
        }
        catch (Exception ex)
        {
            connection.Error ??= ex.GetType().Name + ": " + ex.Message;
            lock (_gate) _failures.Add(ex);
        }
        finally
        {
            await session.DisposeAsync();
            connection.MarkClosed();
            NotifyChanged();
        }
    }
}
