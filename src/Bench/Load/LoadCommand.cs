using System.CommandLine;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Load;

/// <summary>The <c>load</c> command: optional in-process relay, one bounded run (closed or open loop), one report.</summary>
public static class LoadCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(BenchConsole console)
    {
        var flags = new LoadFlags();
        var command = new Command("load",
            "Load an SMTP server on this machine (loopback only) from N connections and report accepted messages/s, MB/s, " +
            "latency percentiles (p50, p90, p99, p99.9, max; HDR histogram), refusals and errors. Closed loop by default; " +
            "--rate N for an open loop. Progress once a second on stderr (not with --json unless --progress; never with --quiet).\n" +
            "Exit codes: 0 at least one message accepted, 1 none, 2 bad usage.");
        flags.AddToLoad(command);
        command.SetAction((parse, cancellationToken) => RunAsync(flags.Read(parse), console, cancellationToken));
        return command;
    }

    /// <summary>Runs one load with <paramref name="options"/>; returns the process exit code (0 when at least one message was accepted).</summary>
    public static async Task<int> RunAsync(LoadOptions options, BenchConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        var key = options.DkimKeyPath is null ? null : await File.ReadAllTextAsync(options.DkimKeyPath, cancellationToken).ConfigureAwait(false);
        var message = BenchMessage.Create(options.Size, options.SenderDomain, options.Signed, key);
        await using var relay = options.StartRelay
            ? await InProcessRelay.StartAsync(options, message, cancellationToken).ConfigureAwait(false)
            : null;

        var api = options.RelayApi ?? (relay is not null && options.NextHop is not null ? relay.HttpBaseAddress : null);
        using var queue = api is null ? null : new RelayQueueWatch(api);
        if (options.Prefill > 0)
        {
            var filled = await RunPhaseAsync("prefill", options.ForPhase(options.Prefill, TimeSpan.FromMinutes(30)), message, console, cancellationToken).ConfigureAwait(false);
            await console.Error.WriteLineAsync($"load: prefilled {filled.Accepted} messages in {filled.Elapsed.TotalSeconds:0.0} s").ConfigureAwait(false);
            if (queue is not null) await queue.WaitDrainedAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
        }
        if (options.Warmup > 0)
        {
            await RunPhaseAsync("warm-up", options.ForPhase(options.Warmup, TimeSpan.FromSeconds(Math.Min(10, options.Duration.TotalSeconds))), message, console, cancellationToken).ConfigureAwait(false);
            // The measured run starts with an empty queue, so its delivered figure is its own.
            if (queue is not null) await queue.WaitDrainedAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
        }
        await using var waiters = options.Waiters == 0 ? null
            : await IdleWaiters.StartAsync(options.RelayApi ?? relay!.HttpBaseAddress, options.Waiters, cancellationToken).ConfigureAwait(false);
        var waiterAnswersBefore = waiters?.Answers ?? 0;
        var deliveredBefore = queue is null ? 0 : (await queue.ReadAsync(cancellationToken).ConfigureAwait(false)).Delivered;
        var cpuSelf = ProcessCpu.Read();
        var cpuPid = options.RelayPid is { } relayPid ? ProcessCpu.Read(relayPid) : null;
        var cpuGroups = options.CpuGroups.Select(g => g.Read()).ToArray();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        var result = await RunPhaseAsync("load", options, message, console, cancellationToken).ConfigureAwait(false);
        result.StartedAt = startedAt;
        result.CpuPerMessageSelfUs = ProcessCpu.PerMessage(cpuSelf, ProcessCpu.Read(), result.Accepted);
        if (options.RelayPid is { } measured) result.CpuPerMessagePidUs = ProcessCpu.PerMessage(cpuPid, ProcessCpu.Read(measured), result.Accepted);
        ReadCpuGroups();
        if (queue is not null)
        {
            // End to end: from the first message sent to the moment the last accepted one left (the queue drained).
            var (drained, state) = await queue.WaitDrainedAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
            result.Drained = drained;
            result.Delivered = state.Delivered - deliveredBefore;
            result.DeliveryElapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            result.DeliveryFailures = state.Failed;
            // The relay's CPU per message then covers accepting and delivering it.
            if (options.RelayPid is { } relayAfterDrain) result.CpuPerMessagePidUs = ProcessCpu.PerMessage(cpuPid, ProcessCpu.Read(relayAfterDrain), result.Accepted);
            ReadCpuGroups();
        }
        void ReadCpuGroups() => result.CpuPerMessageGroupsUs = options.CpuGroups
            .Select((g, i) => (g.Name, Us: ProcessCpu.PerMessage(TimeSpan.Zero, CpuGroup.Between(cpuGroups[i], g.Read()), result.Accepted)))
            .Where(g => g.Us is not null).Select(g => (g.Name, g.Us!.Value)).ToArray();
        if (waiters is not null) (result.Waiters, result.WaiterAnswers, result.WaiterErrors) = (options.Waiters, waiters.Answers - waiterAnswersBefore, waiters.Errors);
        result.PeakMemorySelf = PeakMemory.Read();
        if (options.RelayPid is { } pid) result.PeakMemoryPid = PeakMemory.Read(pid);
        await console.Out.WriteLineAsync(options.Json ? result.ToJson() : result.ToText()).ConfigureAwait(false);
        return result.Accepted > 0 ? 0 : 1;
    }

    private static async Task<LoadResult> RunPhaseAsync(string phase, LoadOptions options, BenchMessage message, BenchConsole console, CancellationToken cancellationToken)
    {
        var runner = new LoadRunner(options, message);
        await using var progress = ProgressReporter.Start(options.Progress, phase, runner.Live, options.Rate > 0, console.Error);
        return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
