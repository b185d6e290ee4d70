using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.CommandLine;
using SmarthostLab.Bench.Cli;
using SmarthostLab.Bench.Soak;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The <c>soak</c> command (issue 16): runs the relay as a child process N times, loads it over SMTP
/// and kills it with SIGKILL in the middle of the load; then starts it once more and checks through
/// its HTTP API that every message it acknowledged with <c>250 … queued as ID</c> is stored, once.
/// A message stored but never acknowledged is allowed (the kill came between the commit and the 250).
/// </summary>
public static class SoakCommand
{
    private static readonly TimeSpan StartTimeout = RelayChildProcess.StartTimeout;
    private const int MessagesPerSession = 50;
    private const int MaxPages = 10_000;

    private sealed record Options(string RelayDll, int Cycles, int Connections, int SecondsPerCycle, int Seed, bool Json);

    private sealed record CycleReport(int Cycle, double KillAfterSeconds, int Acknowledged, int Refused, int ErrorsBeforeKill);

    /// <summary>Builds the command: the kill mode here, the attack modes in <see cref="AttackCommand"/>.</summary>
    public static Command Build(BenchConsole console)
    {
        var mode = BenchOptions.OneOf("--mode",
            "kill (default): kill -9 the relay under load, then check that every acknowledged message is stored once; " +
            "slow-reader: hostile slow clients while registered servers send; flood: a connection flood while they send.",
            "kill", "slow-reader", "flood");
        var relayDll = new Option<FileInfo>("--relay-dll") { Description = "The relay (smarthostlab-relay.dll), run as \"dotnet PATH …\" on a fresh data folder.", HelpName = "PATH", Required = true };
        relayDll.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is { Exists: false } file) result.AddError($"--relay-dll: {file.FullName} does not exist");
        });
        var json = new Option<bool>("--json") { Description = "Machine-readable report." };
        var cycles = BenchOptions.Whole("--cycles", 1, 1000, 5, "kill: start / load / kill -9 cycles.");
        var connections = BenchOptions.Whole("--connections", 1, 1000, 16, "kill: concurrent SMTP sessions from 127.0.0.2.");
        var secondsPerCycle = BenchOptions.Whole("--seconds-per-cycle", 1, 3600, 10, "kill: load time of a cycle; the kill comes after 30-100 % of it.");
        var seed = new Option<int?>("--seed") { Description = "kill: seed of the kill delays (default: random, printed).", HelpName = "X" };
        var attack = new AttackFlags();
        var command = new Command("soak",
            "Run the relay as a child process and check it under abuse: --mode kill (default) kills it with SIGKILL in the middle of " +
            "the load and checks every acknowledged message is stored once; --mode slow-reader or flood attacks it while registered " +
            "servers send and checks they kept being served and every bounded hostile connection was closed within its bound.\n" +
            "Exit codes: 0 the check passed, 1 it failed, 2 bad usage or a failed run.")
        {
            mode, relayDll, json, cycles, connections, secondsPerCycle, seed,
        };
        foreach (var option in attack.All) command.Options.Add(option);
        Option[] killOnly = [cycles, connections, secondsPerCycle, seed];
        command.Validators.Add(BenchOptions.WhenParsed(result =>
        {
            var modeName = result.ValueOf(mode);
            var kill = modeName == "kill";
            foreach (var option in kill ? attack.All : killOnly)
            {
                if (result.Given(option)) result.AddError($"{option.Name} is not an option of --mode {modeName}");
            }
            if (!kill) attack.Validate(result);
        }));
        command.SetAction((parse, cancellationToken) =>
        {
            var dll = parse.GetRequiredValue(relayDll).FullName;
            var modeName = parse.GetRequiredValue(mode);
            if (modeName != "kill")
            {
                var options = attack.Read(parse, modeName == "flood" ? AttackMode.Flood : AttackMode.SlowReader, dll, parse.GetValue(json));
                return AttackCommand.RunAsync(options, console.Out, console.Error);
            }
            return RunKillAsync(new Options(dll, parse.GetValue(cycles), parse.GetValue(connections), parse.GetValue(secondsPerCycle), parse.GetValue(seed) ?? Random.Shared.Next(), parse.GetValue(json)), console);
        });
        return command;
    }

    /// <summary>Runs the kill mode; exit code 0 when nothing acknowledged was lost, 1 when something was, 2 on a failed run.</summary>
    private static async Task<int> RunKillAsync(Options options, BenchConsole console)
    {
        var folder = Path.Combine(Path.GetTempPath(), "smarthostlab-soak-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        RelayChildProcess? relay = null;
        try
        {
            var smtp = new IPEndPoint(IPAddress.Loopback, RelayChildProcess.FreePort());
            var http = new IPEndPoint(IPAddress.Loopback, RelayChildProcess.FreePort());
            var load = new LoadOptions { Target = smtp, Http = http, Connections = options.Connections, Bind = IPAddress.Parse("127.0.0.2") };
            var relayArgs = RelayLabConfig.Write(folder, load, BenchMessage.Create(1024, load.SenderDomain, signed: false));
            var random = new Random(options.Seed);
            var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            var cycles = new List<CycleReport>();
            if (!options.Json) console.Out.WriteLine($"soak: relay {options.RelayDll}, smtp {smtp}, http {http}, seed {options.Seed}, data {folder}");

            for (var cycle = 1; cycle <= options.Cycles; cycle++)
            {
                relay = RelayChildProcess.Start(options.RelayDll, relayArgs, console.Error);
                await relay.WaitForPortAsync(smtp).ConfigureAwait(false);
                var killAfter = TimeSpan.FromSeconds(options.SecondsPerCycle * (0.3 + (0.7 * random.NextDouble())));
                var report = await LoadAndKillAsync(cycle, relay, load, options, killAfter, acknowledged).ConfigureAwait(false);
                relay.Dispose();
                relay = null;
                cycles.Add(report);
                if (!options.Json)
                    console.Out.WriteLine($"cycle {cycle}: killed after {report.KillAfterSeconds:F1} s, acknowledged {report.Acknowledged}, refused {report.Refused}, errors before the kill {report.ErrorsBeforeKill}");
            }

            relay = RelayChildProcess.Start(options.RelayDll, relayArgs, console.Error);
            await relay.WaitForPortAsync(smtp).ConfigureAwait(false);
            var stored = await ReadStoredAsync(new Uri($"http://{http}/")).ConfigureAwait(false);
            await relay.StopAsync().ConfigureAwait(false);
            relay.Dispose();
            relay = null;

            var lost = acknowledged.Keys.Where(t => !stored.ContainsKey(t)).Order(StringComparer.Ordinal).ToList();
            var found = acknowledged.Count - lost.Count;
            var duplicated = stored.Where(kv => kv.Value.Count > 1).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            var unacknowledged = stored.Keys.Count(t => !acknowledged.ContainsKey(t));
            var idMismatch = acknowledged.Count(kv => stored.TryGetValue(kv.Key, out var ids) && !ids.Contains(kv.Value));
            var storedMessages = stored.Values.Sum(ids => ids.Count);
            var errorsBeforeKill = cycles.Sum(c => c.ErrorsBeforeKill);

            if (options.Json)
            {
                var json = new
                {
                    seed = options.Seed,
                    cycles = cycles.Select(c => new { cycle = c.Cycle, killAfterSeconds = Math.Round(c.KillAfterSeconds, 2), acknowledged = c.Acknowledged, refused = c.Refused, errorsBeforeKill = c.ErrorsBeforeKill }),
                    acknowledged = acknowledged.Count,
                    found,
                    lost = lost.Count,
                    duplicated = duplicated.Count,
                    storedNotAcknowledged = unacknowledged,
                    idMismatch,
                    storedMessages,
                    errorsBeforeKill,
                    lostTokens = lost.Take(100),
                    duplicatedTokens = duplicated.Take(100),
                };
                console.Out.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                console.Out.WriteLine($"acknowledged (250 queued as) : {acknowledged.Count}");
                console.Out.WriteLine($"found in the store           : {found}");
                console.Out.WriteLine($"lost (acknowledged, missing) : {lost.Count}{(lost.Count > 0 ? "  e.g. " + string.Join(", ", lost.Take(10)) : string.Empty)}");
                console.Out.WriteLine($"duplicated tokens            : {duplicated.Count}{(duplicated.Count > 0 ? "  e.g. " + string.Join(", ", duplicated.Take(10)) : string.Empty)}");
                console.Out.WriteLine($"stored, not acknowledged     : {unacknowledged} (allowed: killed between commit and 250)");
                console.Out.WriteLine($"stored under another id      : {idMismatch}");
                console.Out.WriteLine($"soak messages stored         : {storedMessages}");
                console.Out.WriteLine($"errors before a kill         : {errorsBeforeKill}");
                console.Out.WriteLine(lost.Count == 0 ? "PASS: nothing acknowledged was lost" : "FAIL: acknowledged messages were lost");
            }
            return lost.Count > 0 ? 1 : 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or SocketException or HttpRequestException or TimeoutException or JsonException or System.ComponentModel.Win32Exception)
        {
            await console.Error.WriteLineAsync($"soak: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            await RelayChildProcess.CleanUpAsync(relay, folder, console.Error).ConfigureAwait(false);
        }
    }

    private static async Task<CycleReport> LoadAndKillAsync(int cycle, RelayChildProcess relay, LoadOptions load, Options options, TimeSpan killAfter, ConcurrentDictionary<string, string> acknowledged)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.SecondsPerCycle + 5));
        var killed = 0;
        var counters = new int[3]; // acknowledged, refused, errors before the kill
        long sequence = 0;
        var workers = Enumerable.Range(0, options.Connections)
            .Select(_ => Task.Run(() => WorkerAsync(cycle, load, acknowledged, counters, () => Interlocked.Increment(ref sequence), () => Volatile.Read(ref killed) != 0, stop.Token)))
            .ToArray();

        await Task.Delay(killAfter).ConfigureAwait(false);
        Volatile.Write(ref killed, 1);
        await relay.KillAsync().ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new CycleReport(cycle, killAfter.TotalSeconds, counters[0], counters[1], counters[2]);
    }

    /// <summary>One SMTP session after another until the relay is killed or the cycle's time is up.</summary>
    private static async Task WorkerAsync(int cycle, LoadOptions load, ConcurrentDictionary<string, string> acknowledged, int[] counters, Func<long> next, Func<bool> killed, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !killed())
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(load.Bind!, 0));
                await socket.ConnectAsync(load.Target, stop).ConfigureAwait(false);
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                var reader = new ReplyReader(stream);
                if (await reader.ReadAsync(null, stop).ConfigureAwait(false) != 220) throw new IOException("no 220 greeting");
                await stream.WriteAsync("EHLO soak.smarthostlab.test\r\n"u8.ToArray(), stop).ConfigureAwait(false);
                if (await reader.ReadAsync(null, stop).ConfigureAwait(false) != 250) throw new IOException("EHLO refused");
                for (var m = 0; m < MessagesPerSession && !stop.IsCancellationRequested && !killed(); m++)
                {
                    var token = $"soak-{cycle}-{next()}";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"MAIL FROM:<bench@{load.SenderDomain}>\r\n"), stop).ConfigureAwait(false);
                    var mail = await reader.ReadAsync(null, stop).ConfigureAwait(false);
                    await stream.WriteAsync("RCPT TO:<rcpt@example.com>\r\n"u8.ToArray(), stop).ConfigureAwait(false);
                    var rcpt = await reader.ReadAsync(null, stop).ConfigureAwait(false);
                    await stream.WriteAsync("DATA\r\n"u8.ToArray(), stop).ConfigureAwait(false);
                    var data = await reader.ReadAsync(null, stop).ConfigureAwait(false);
                    if (mail != 250 || rcpt != 250 || data != 354)
                    {
                        if (!killed()) Interlocked.Increment(ref counters[1]);
                        if (data == 354) throw new IOException("354 after a refused MAIL or RCPT");
                        await stream.WriteAsync("RSET\r\n"u8.ToArray(), stop).ConfigureAwait(false);
                        await reader.ReadAsync(null, stop).ConfigureAwait(false);
                        continue;
                    }
                    await stream.WriteAsync(Message(load.SenderDomain, token), stop).ConfigureAwait(false);
                    var lines = new List<string>(1);
                    var final = await reader.ReadAsync(lines, stop).ConfigureAwait(false);
                    const string marker = "queued as ";
                    var at = lines.Count > 0 ? lines[^1].IndexOf(marker, StringComparison.Ordinal) : -1;
                    if (final == 250 && at >= 0)
                    {
                        acknowledged[token] = lines[^1][(at + marker.Length)..].Trim();
                        Interlocked.Increment(ref counters[0]);
                    }
                    else if (!killed())
                    {
                        Interlocked.Increment(ref counters[1]);
                    }
                }
                await stream.WriteAsync("QUIT\r\n"u8.ToArray(), stop).ConfigureAwait(false);
                await reader.ReadAsync(null, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
            {
                // After the kill every error is expected; before it, count it and back off a little.
                if (killed() || stop.IsCancellationRequested) return;
                Interlocked.Increment(ref counters[2]);
                try
                {
                    await Task.Delay(50, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A small message whose Subject and Message-ID carry <paramref name="token"/>, dot-terminated for DATA.</summary>
    internal static byte[] Message(string domain, string token) => Encoding.ASCII.GetBytes(
        $"From: Bench Sender <bench@{domain}>\r\n" +
        "To: Bench Receiver <rcpt@example.com>\r\n" +
        $"Subject: {token}\r\n" +
        $"Date: {DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)}\r\n" +
        $"Message-ID: <{token}@{domain}>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        $"Soak message {token}: acknowledged means stored.\r\n" +
        ".\r\n");

    /// <summary>Reads every stored message through the API (newest first, 1000 a page): soak token to stored ids.</summary>
    private static async Task<Dictionary<string, List<string>>> ReadStoredAsync(Uri api)
    {
        using var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                using var probe = await client.GetAsync(new Uri("api/v1/messages?limit=1", UriKind.Relative)).ConfigureAwait(false);
                if (probe.IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (Stopwatch.GetTimestamp() < deadline)
            {
            }
            if (Stopwatch.GetTimestamp() >= deadline) throw new TimeoutException($"the relay's API at {api} did not answer within {StartTimeout.TotalSeconds} s");
            await Task.Delay(200).ConfigureAwait(false);
        }

        var stored = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var offset = 0;
        for (var page = 0; page < MaxPages; page++)
        {
            var body = await client.GetStringAsync(new Uri($"api/v1/messages?limit=1000&offset={offset}", UriKind.Relative)).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            var messages = doc.RootElement.GetProperty("messages");
            var total = doc.RootElement.GetProperty("total").GetInt32();
            foreach (var m in messages.EnumerateArray())
            {
                if (m.GetProperty("subject").GetString() is not { } subject || !subject.StartsWith("soak-", StringComparison.Ordinal)) continue;
                var id = m.GetProperty("id").GetString() ?? string.Empty;
                if (!stored.TryGetValue(subject, out var ids)) stored[subject] = ids = [];
                ids.Add(id);
            }
            offset += messages.GetArrayLength();
            if (messages.GetArrayLength() == 0 || offset >= total) return stored;
        }
        throw new InvalidOperationException($"more than {MaxPages} pages of messages");
    }
}
