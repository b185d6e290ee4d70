using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace SmarthostLab.Bench.Soak;

/// <summary>
/// The relay's side of the hostile connections, read from <c>/proc/net/tcp</c> (Linux, same machine): which of its
/// sockets on the SMTP port are still ESTABLISHED. When the relay ends a session whose client does not read, its
/// socket leaves ESTABLISHED at once (shutdown), but the FIN waits in the send queue behind the replies the client
/// has not taken, so the client's own view (<see cref="TcpState"/>) says "open" until it has read them all. This is
/// how the bench sees when the relay let such a connection go. One snapshot every <see cref="Interval"/>.
/// </summary>
internal sealed class RelaySideSockets : IAsyncDisposable
{
    /// <summary>Time between two snapshots.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private const string Table = "/proc/net/tcp";
    private readonly string _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile Snapshot? _latest;

    private sealed record Snapshot(long TakenAt, HashSet<string> Established);

    private RelaySideSockets(int relayPort)
    {
        _port = ":" + relayPort.ToString("X4", CultureInfo.InvariantCulture);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Starts the snapshots, or null where /proc/net/tcp cannot be read (not Linux).</summary>
    public static RelaySideSockets? TryStart(int relayPort) =>
        OperatingSystem.IsLinux() && File.Exists(Table) ? new RelaySideSockets(relayPort) : null;

    /// <summary>
    /// Whether the relay's socket for the connection from <paramref name="client"/> is ESTABLISHED in the latest
    /// snapshot; null when no snapshot was taken since <paramref name="since"/> (a Stopwatch timestamp).
    /// </summary>
    public bool? IsEstablished(IPEndPoint client, long since)
    {
        var latest = _latest;
        if (latest is null || latest.TakenAt < since) return null;
        return latest.Established.Contains(Key(client));
    }

    /// <summary>An IPv4 endpoint as /proc/net/tcp prints it: the address as the host's u32 in hex, then the port.</summary>
    public static string Key(IPEndPoint endPoint)
    {
        var bytes = endPoint.Address.MapToIPv4().GetAddressBytes();
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
        return Convert.ToHexString(bytes) + ":" + endPoint.Port.ToString("X4", CultureInfo.InvariantCulture);
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var takenAt = Stopwatch.GetTimestamp();
            var established = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                using var reader = new StreamReader(Table);
                await reader.ReadLineAsync().ConfigureAwait(false); // header
                while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    // "  12: 0100007F:9E3B 0201007F:C350 01 …": local, remote, state (01 = ESTABLISHED)
                    var fields = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 4 && fields[3] == "01" && fields[1].EndsWith(_port, StringComparison.Ordinal))
                        established.Add(fields[2]);
                }
                _latest = new Snapshot(takenAt, established);
            }
            catch (IOException)
            {
                // The next snapshot, then.
            }
            try
            {
                await Task.Delay(Interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
