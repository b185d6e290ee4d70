namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Drives the machine's Postfix (configured by .ci/postfix-setup.sh) as the customer's outbound MTA:
/// points its relayhost at a relay a test started, binds its outbound connections to a chosen
/// loopback address and reloads it. Postfix is one per machine, so a cross-process file lock
/// serializes tests in every test project that use it.
/// </summary>
public sealed class PostfixHarness : IAsyncDisposable
{
    private const string PortFile = "/etc/postfix/smarthostlab-port";
    private const string LogFile = "/var/log/postfix-smarthostlab.log";
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "smarthostlab-postfix.lock");

    private readonly FileStream _lock;

    private PostfixHarness(FileStream @lock, int submissionPort)
    {
        _lock = @lock;
        SubmissionPort = submissionPort;
    }

    /// <summary>The loopback port Postfix's smtpd accepts submissions on (127.0.0.1).</summary>
    public int SubmissionPort { get; }

    /// <summary>True when this machine's Postfix was set up for interop (CI sets SMARTHOSTLAB_POSTFIX=1).</summary>
    public static bool IsAvailable(out string reason)
    {
        if (Environment.GetEnvironmentVariable("SMARTHOSTLAB_POSTFIX") != "1")
        {
            reason = "Postfix interop runs in CI: .ci/run sets Postfix up and sets SMARTHOSTLAB_POSTFIX=1 (run .ci/postfix-setup.sh as root and export it to run locally)";
            return false;
        }
        if (!File.Exists(PortFile))
        {
            reason = $"{PortFile} is missing: run .ci/postfix-setup.sh as root first";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>
    /// Takes the machine-wide Postfix lock, empties Postfix's queue and points it at
    /// 127.0.0.1:<paramref name="relayPort"/>, connecting from <paramref name="bindAddress"/>.
    /// </summary>
    public static async Task<PostfixHarness> AcquireAsync(int relayPort, string bindAddress, CancellationToken cancellationToken = default)
    {
        var @lock = await TakeLockAsync(cancellationToken);
        try
        {
            var port = int.Parse(File.ReadAllText(PortFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await RunAsync("postsuper", "-d ALL", cancellationToken);
            await RunAsync("postconf", $"-e relayhost=[127.0.0.1]:{relayPort} smtp_bind_address={bindAddress}", cancellationToken);
            await RunAsync("postfix", "reload", cancellationToken);
            return new PostfixHarness(@lock, port);
        }
        catch
        {
            await @lock.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks Postfix to retry its deferred mail now.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => RunAsync("postqueue", "-f", cancellationToken);

    /// <summary>The last lines of Postfix's log, for a failing test's message.</summary>
    public static string LogTail(int lines = 30) => PostfixTools.Tail(LogFile, lines);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("postsuper", "-d ALL", CancellationToken.None);
        }
        finally
        {
            await _lock.DisposeAsync();
        }
    }

    private static async Task<FileStream> TakeLockAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static Task RunAsync(string command, string arguments, CancellationToken cancellationToken) =>
        PostfixTools.RunAsync(command, arguments.Split(' '), cancellationToken);
}
