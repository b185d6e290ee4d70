using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The <c>soak</c> command (issue 16): runs the relay as a child process N times, loads it over SMTP
/// and kills it with SIGKILL in the middle of the load; then starts it once more and checks through
/// its HTTP API that every message it acknowledged with <c>250 … queued as ID</c> is stored, once.
/// A message stored but never acknowledged is allowed (the kill came between the commit and the 250).
/// </summary>
public static class SoakCommand
{
    private const string Usage = """
        usage: smarthostlab-bench soak [--mode kill] --relay-dll PATH [options]
               smarthostlab-bench soak --mode slow-reader|flood --relay-dll PATH [options]   (--mode flood --help)
        kill mode (the default):
          --relay-dll PATH           the relay (smarthostlab-relay.dll), run as "dotnet PATH …"
          --cycles N                 start / load / kill -9 cycles (default 5)
          --connections C            concurrent SMTP sessions from 127.0.0.2 (default 16)
          --seconds-per-cycle S      load time of a cycle; the kill comes after 30-100 % of it (default 10)
          --seed X                   seed of the kill delays (default: random, printed)
          --json                     machine-readable report
        """;

    private static readonly TimeSpan StartTimeout = RelayChildProcess.StartTimeout;
    private const int MessagesPerSession = 50;
    private const int MaxPages = 10_000;

    private sealed record Options(string RelayDll, int Cycles, int Connections, int SecondsPerCycle, int Seed, bool Json);

    private sealed record CycleReport(int Cycle, double KillAfterSeconds, int Acknowledged, int Refused, int ErrorsBeforeKill);

    /// <summary>Runs the command; exit code 0 when nothing acknowledged was lost, 1 when something was, 2 on bad usage or a failed run.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var mode = args.ToList().IndexOf("--mode");
        if (mode >= 0)
        {
            var name = mode + 1 < args.Count ? args[mode + 1] : "";
            var rest = args.Where((_, i) => i != mode && i != mode + 1).ToList();
            if (name != "kill") return await Soak.AttackCommand.RunAsync(name, rest, Console.Out, Console.Error).ConfigureAwait(false);
            args = rest;
        }
        Options options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"soak: {e.Message}\n{Usage}").ConfigureAwait(false);
            return 2;
        }

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
            if (!options.Json) Console.WriteLine($"soak: relay {options.RelayDll}, smtp {smtp}, http {http}, seed {options.Seed}, data {folder}");

            for (var cycle = 1; cycle <= options.Cycles; cycle++)
            {
                relay = RelayChildProcess.Start(options.RelayDll, relayArgs, Console.Error);
                await relay.WaitForPortAsync(smtp).ConfigureAwait(false);
                var killAfter = TimeSpan.FromSeconds(options.SecondsPerCycle * (0.3 + (0.7 * random.NextDouble())));
                var report = await LoadAndKillAsync(cycle, relay, load, options, killAfter, acknowledged).ConfigureAwait(false);
                relay.Dispose();
                relay = null;
                cycles.Add(report);
                if (!options.Json)
                    Console.WriteLine($"cycle {cycle}: killed after {report.KillAfterSeconds:F1} s, acknowledged {report.Acknowledged}, refused {report.Refused}, errors before the kill {report.ErrorsBeforeKill}");
            }

            relay = RelayChildProcess.Start(options.RelayDll, relayArgs, Console.Error);
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
                Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Console.WriteLine($"acknowledged (250 queued as) : {acknowledged.Count}");
                Console.WriteLine($"found in the store           : {found}");
                Console.WriteLine($"lost (acknowledged, missing) : {lost.Count}{(lost.Count > 0 ? "  e.g. " + string.Join(", ", lost.Take(10)) : string.Empty)}");
                Console.WriteLine($"duplicated tokens            : {duplicated.Count}{(duplicated.Count > 0 ? "  e.g. " + string.Join(", ", duplicated.Take(10)) : string.Empty)}");
                Console.WriteLine($"stored, not acknowledged     : {unacknowledged} (allowed: killed between commit and 250)");
                Console.WriteLine($"stored under another id      : {idMismatch}");
                Console.WriteLine($"soak messages stored         : {storedMessages}");
                Console.WriteLine($"errors before a kill         : {errorsBeforeKill}");
                Console.WriteLine(lost.Count == 0 ? "PASS: nothing acknowledged was lost" : "FAIL: acknowledged messages were lost");
            }
            return lost.Count > 0 ? 1 : 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or SocketException or HttpRequestException or TimeoutException or JsonException or System.ComponentModel.Win32Exception)
        {
            await Console.Error.WriteLineAsync($"soak: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            await RelayChildProcess.CleanUpAsync(relay, folder, Console.Error).ConfigureAwait(false);
        }
    }

    private static Options Parse(IReadOnlyList<string> args)
    {
        string? dll = null;
        int cycles = 5, connections = 16, seconds = 10;
        int? seed = null;
        var json = false;
        var flags = new FlagReader(args);
        while (flags.Next())
        {
            var flag = flags.Flag;
            string Value() => flags.Value();
            switch (flag)
            {
                case "--relay-dll": dll = Value(); break;
                case "--cycles": cycles = Positive(Value(), flag, 1000); break;
                case "--connections": connections = Positive(Value(), flag, 1000); break;
                case "--seconds-per-cycle": seconds = Positive(Value(), flag, 3600); break;
                case "--seed": seed = int.TryParse(Value(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) ? s : throw new ArgumentException($"{flag}: not a whole number"); break;
                case "--json": json = true; break;
                default: throw new ArgumentException($"unknown option {flag}");
            }
        }
        if (dll is null) throw new ArgumentException("--relay-dll is required");
        if (!File.Exists(dll)) throw new ArgumentException($"--relay-dll: {dll} does not exist");
        return new Options(Path.GetFullPath(dll), cycles, connections, seconds, seed ?? Random.Shared.Next(), json);
    }

    private static int Positive(string text, string flag, int max)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max
            ? n
            : throw new ArgumentException($"{flag}: '{text}' is not a whole number between 1 and {max}");

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
