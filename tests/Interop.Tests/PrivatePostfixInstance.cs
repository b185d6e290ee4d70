using System.Globalization;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// A throwaway Postfix instance (<c>postfix -c DIR</c>) that receives mail for one domain and delivers it with
/// virtual(8) into Maildirs, owned by <c>nobody</c>, under its temp folder: its own main.cf and master.cf, queue,
/// data directory and log there, smtpd on a free 127.0.0.1 port. Extra main.cf settings (e.g. a relayhost and SASL
/// client settings, to make it the sending MTA) are applied with <c>postconf -c DIR -e</c>. The machine's own Postfix instance (the one
/// .ci/postfix-setup.sh configures) is neither read nor touched. Stopped, and its folder deleted, on dispose.
/// Needs root (Postfix's master runs as root and its daemons as mail_owner).
/// </summary>
public sealed class PrivatePostfixInstance : IAsyncDisposable
{
    private readonly TempFolder _folder;

    private PrivatePostfixInstance(TempFolder folder, string domain)
    {
        _folder = folder;
        Domain = domain;
    }

    /// <summary>The domain it delivers locally (virtual mailbox domain).</summary>
    public string Domain { get; }

    /// <summary>The port its smtpd listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    /// <summary>Its main.cf and master.cf.</summary>
    public string ConfigDirectory => Path.Combine(_folder.Path, "etc");

    /// <summary>Its own log (maillog_file).</summary>
    public string LogFile => Path.Combine(_folder.Path, "postfix.log");

    private string QueueDirectory => Path.Combine(_folder.Path, "spool");

    private string MailDirectory => Path.Combine(_folder.Path, "mail");

    /// <summary>
    /// Configures and starts the instance with one Maildir per name in <paramref name="mailboxes"/>
    /// (<c>name@domain</c>); a port taken meanwhile is tried again with another (three times).
    /// </summary>
    public static Task<PrivatePostfixInstance> StartAsync(string domain, params string[] mailboxes) =>
        StartAsync(domain, new Dictionary<string, string>(), mailboxes);

    /// <summary>
    /// Same as <see cref="StartAsync(string, string[])"/>, with <paramref name="settings"/> (main.cf parameter → value)
    /// written over the instance's own.
    /// </summary>
    public static async Task<PrivatePostfixInstance> StartAsync(string domain, IReadOnlyDictionary<string, string> settings, params string[] mailboxes)
    {
        var instance = new PrivatePostfixInstance(new TempFolder(), domain);
        try
        {
            await instance.ConfigureAsync(mailboxes);
            if (settings.Count > 0)
                await PostfixTools.RunAsync(PostfixTools.Postconf, ["-c", instance.ConfigDirectory, "-e", .. settings.Select(p => $"{p.Key}={p.Value}")]);
            var failures = new List<string>();
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                instance.Port = PostfixTools.FreeLoopbackPort();
                await File.WriteAllTextAsync(Path.Combine(instance.ConfigDirectory, "master.cf"), MasterCf(instance.Port));
                try
                {
                    await instance.PostfixAsync("start");
                    if (await PostfixTools.WaitForListenerAsync(instance.Port, TimeSpan.FromSeconds(20))) return instance;
                    failures.Add($"port {instance.Port}: smtpd is not listening");
                }
                catch (InvalidOperationException e)
                {
                    failures.Add($"port {instance.Port}: {e.Message}");
                }
                await instance.StopAsync();
            }
            throw new InvalidOperationException($"the private Postfix instance did not start: {string.Join("; ", failures)}\nits log:\n{instance.LogTail()}");
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits (up to <paramref name="limit"/>) for a message holding <paramref name="token"/> in the Maildir of
    /// <paramref name="mailbox"/> and returns its bytes as stored.
    /// </summary>
    public async Task<byte[]> WaitForMailAsync(string mailbox, string token, TimeSpan limit)
    {
        var folder = Path.Combine(MailDirectory, mailbox, "new");
        var needle = System.Text.Encoding.UTF8.GetBytes(token);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (Directory.Exists(folder))
            {
                foreach (var file in Directory.GetFiles(folder))
                {
                    var bytes = await File.ReadAllBytesAsync(file);
                    if (bytes.AsSpan().IndexOf(needle) >= 0) return bytes;
                }
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no message with {token} in {folder} within {limit.TotalSeconds:0} s; the instance's log:\n{LogTail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits (up to <paramref name="limit"/>) for a line of the instance's log that matches <paramref name="pattern"/> and returns it.</summary>
    public async Task<string> WaitForLogLineAsync(System.Text.RegularExpressions.Regex pattern, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var lines = File.Exists(LogFile) ? await File.ReadAllLinesAsync(LogFile) : [];
            if (lines.FirstOrDefault(pattern.IsMatch) is { } line) return line;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no line matching /{pattern}/ in {LogFile} within {limit.TotalSeconds:0} s:\n{LogTail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>The instance's queue as <c>postqueue -p</c> lists it (deferred mail with its last reply).</summary>
    public Task<string> QueueAsync() => PostfixTools.RunAsync("/usr/sbin/postqueue", ["-c", ConfigDirectory, "-p"]);

    /// <summary>The last lines of the instance's log.</summary>
    public string LogTail(int lines = 30) => PostfixTools.Tail(LogFile, lines);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            // Daemons that were still closing files may hold the folder a moment after the master ended.
            for (var attempt = 1; Directory.Exists(_folder.Path) && attempt < 20; attempt++)
            {
                try
                {
                    Directory.Delete(_folder.Path, recursive: true);
                }
                catch (IOException)
                {
                    await Task.Delay(250);
                }
            }
            _folder.Dispose();
        }
    }

    private async Task ConfigureAsync(string[] mailboxes)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("a private Postfix instance runs on Linux");
        // Postfix's daemons (mail_owner) and virtual(8) (nobody) must reach the folders below the temp folder.
        File.SetUnixFileMode(_folder.Path, (UnixFileMode)0b111_101_101);
        foreach (var folder in new[] { ConfigDirectory, QueueDirectory, MailDirectory, Path.Combine(_folder.Path, "data") }) Directory.CreateDirectory(folder);
        // virtual(8) creates each Maildir as nobody.
        File.SetUnixFileMode(MailDirectory, (UnixFileMode)0b111_111_111);

        // Where this machine's Postfix keeps its programs; the instance only borrows them.
        var system = (await PostfixTools.RunAsync(PostfixTools.Postconf, ["-h", "command_directory", "daemon_directory", "shlib_directory", "meta_directory", "mail_owner", "setgid_group"]))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (commands, daemons, shlib, meta, owner, setgid) = (system[0], system[1], system[2], system[3], system[4], system[5]);
        await PostfixTools.RunAsync("chown", [$"{owner}:", Path.Combine(_folder.Path, "data")]);
        var uid = (await PostfixTools.RunAsync("id", ["-u", "nobody"])).Trim();
        var gid = (await PostfixTools.RunAsync("id", ["-g", "nobody"])).Trim();
        var maps = "inline:{ " + string.Join(", ", mailboxes.Select(m => $"{m}@{Domain}={m}/")) + " }";

        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "main.cf"), $"""
            # A throwaway instance for SmarthostLab's interop tests (tests/Interop.Tests/PrivatePostfixInstance.cs).
            compatibility_level = 3.6
            queue_directory = {QueueDirectory}
            data_directory = {Path.Combine(_folder.Path, "data")}
            command_directory = {commands}
            daemon_directory = {daemons}
            shlib_directory = {shlib}
            meta_directory = {meta}
            mail_owner = {owner}
            setgid_group = {setgid}
            syslog_name = postfix-smarthostlab-nexthop
            maillog_file = {LogFile}
            maillog_file_prefixes = {_folder.Path}
            myhostname = mx.{Domain}
            mydomain = {Domain}
            myorigin = {Domain}
            mydestination =
            relay_domains =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            local_transport = error:local delivery is disabled
            alias_maps =
            alias_database =
            biff = no
            smtp_dns_support_level = disabled
            virtual_mailbox_domains = {Domain}
            virtual_mailbox_base = {MailDirectory}
            virtual_mailbox_maps = {maps}
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{gid}

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>The services the instance needs; no chroot, smtpd on 127.0.0.1:<paramref name="port"/> only.</summary>
    private static string MasterCf(int port) => string.Create(CultureInfo.InvariantCulture, $"""
        # service type  private unpriv  chroot  wakeup  maxproc command
        127.0.0.1:{port} inet n - n - - smtpd
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        smtp      unix  -       -       n       -       -       smtp
        virtual   unix  -       n       n       -       -       virtual
        anvil     unix  -       -       n       -       1       anvil
        tlsmgr    unix  -       -       n       1000?   1       tlsmgr
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """).Replace("\r\n", "\n", StringComparison.Ordinal);

    private Task<string> PostfixAsync(string command) => PostfixTools.RunAsync(PostfixTools.Postfix, ["-c", ConfigDirectory, command]);

    /// <summary>Stops the instance and waits until its master process is gone (killed by its pid after 20 s).</summary>
    private async Task StopAsync()
    {
        var pidFile = Path.Combine(QueueDirectory, "pid", "master.pid");
        int? pid = null;
        try
        {
            // Read by cat: the master holds a lock on its pid file that .NET's own open would respect and fail on.
            if (File.Exists(pidFile) && int.TryParse((await PostfixTools.RunAsync("cat", [pidFile])).Trim(), out var p)) pid = p;
            await PostfixAsync("stop");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            // Not running (a start that failed), or stop failed: the master, if any, is killed below.
        }
        if (pid is not { } master) return;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Directory.Exists($"/proc/{master}") && DateTime.UtcNow < deadline) await Task.Delay(100);
        if (!Directory.Exists($"/proc/{master}")) return;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(master);
            process.Kill();
            await process.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
            // ended meanwhile
        }
    }
}
