using System.Net;

namespace SmarthostLab.Tests.Support;

/// <summary>One connection accepted by <see cref="ScriptedSmtpServer"/>: every command line and transaction, in order.</summary>
public sealed class ScriptedConnection
{
    private readonly List<ScriptedCommand> _commands = [];
    private readonly List<ScriptedTransaction> _transactions = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ScriptedConnection(int number, IPEndPoint remoteEndPoint)
    {
        Number = number;
        RemoteEndPoint = remoteEndPoint;
    }

    /// <summary>1 for the first connection accepted, 2 for the next, …</summary>
    public int Number { get; }

    /// <summary>The client's address and port, e.g. 127.0.0.2:41234 for a client bound to 127.0.0.2.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Every command line received, in order, with the reply each got.</summary>
    public IReadOnlyList<ScriptedCommand> Commands
    {
        get
        {
            lock (_commands) return [.. _commands];
        }
    }

    /// <summary>The verbs of <see cref="Commands"/>, e.g. ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]: handy for asserting a dialogue.</summary>
    public IReadOnlyList<string> Verbs => [.. Commands.Select(c => c.Verb)];

    /// <summary>The transactions begun on this connection, in order.</summary>
    public IReadOnlyList<ScriptedTransaction> Transactions
    {
        get
        {
            lock (_transactions) return [.. _transactions];
        }
    }

    /// <summary>The TLS protocol after STARTTLS, e.g. "Tls13"; null in plain text.</summary>
    public string? TlsProtocol { get; internal set; }

    /// <summary>
    /// Why the session ended other than by QUIT or the server's own choice, e.g. "TLS handshake failed: …" or
    /// "closed by the client during DATA"; null otherwise.
    /// </summary>
    public string? Error { get; internal set; }

    /// <summary>Completes when the server is done with the connection (after QUIT, a close, or the server's dispose).</summary>
    public Task Closed => _closed.Task;

    internal void Add(ScriptedCommand command)
    {
        lock (_commands) _commands.Add(command);
    }

    internal void Add(ScriptedTransaction transaction)
    {
        lock (_transactions) _transactions.Add(transaction);
    }

    internal void MarkClosed() => _closed.TrySetResult();
}
