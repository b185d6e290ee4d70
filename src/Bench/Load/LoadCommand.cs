namespace SmarthostLab.Bench.Load;

/// <summary>The <c>load</c> command: optional in-process relay, one bounded run, one report.</summary>
public static class LoadCommand
{
    /// <summary>Runs the command; returns the process exit code (0 when at least one message was accepted).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        LoadOptions options;
        try
        {
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.WriteLine(LoadOptions.Usage);
                return 0;
            }
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"load: {e.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync(LoadOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupt.Cancel(); };

        var key = options.DkimKeyPath is null ? null : await File.ReadAllTextAsync(options.DkimKeyPath).ConfigureAwait(false);
        var message = BenchMessage.Create(options.Size, options.SenderDomain, options.Signed, key);
        await using var relay = options.StartRelay
            ? await InProcessRelay.StartAsync(options, message, interrupt.Token).ConfigureAwait(false)
            : null;

        var api = options.RelayApi ?? (relay is not null && options.NextHop is not null ? relay.HttpBaseAddress : null);
        using var queue = api is null ? null : new RelayQueueWatch(api);
        if (options.Prefill > 0)
        {
            var prefill = LoadOptions.Parse(args);
            prefill.Messages = options.Prefill;
            prefill.Duration = TimeSpan.FromMinutes(30);
            var filled = await new LoadRunner(prefill, message).RunAsync(interrupt.Token).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"load: prefilled {filled.Accepted} messages in {filled.Elapsed.TotalSeconds:0.0} s").ConfigureAwait(false);
            if (queue is not null) await queue.WaitDrainedAsync(options.DrainTimeout, interrupt.Token).ConfigureAwait(false);
        }
        if (options.Warmup > 0)
        {
            var warmup = LoadOptions.Parse(args);
            warmup.Messages = options.Warmup;
            warmup.Duration = TimeSpan.FromSeconds(Math.Min(10, options.Duration.TotalSeconds));
            await new LoadRunner(warmup, message).RunAsync(interrupt.Token).ConfigureAwait(false);
            // The measured run starts with an empty queue, so its delivered figure is its own.
            if (queue is not null) await queue.WaitDrainedAsync(options.DrainTimeout, interrupt.Token).ConfigureAwait(false);
        }
        await using var waiters = options.Waiters == 0 ? null
            : await IdleWaiters.StartAsync(options.RelayApi ?? relay!.HttpBaseAddress, options.Waiters, interrupt.Token).ConfigureAwait(false);
        var waiterAnswersBefore = waiters?.Answers ?? 0;
        var deliveredBefore = queue is null ? 0 : (await queue.ReadAsync(interrupt.Token).ConfigureAwait(false)).Delivered;
        var cpuSelf = ProcessCpu.Read();
        var cpuPid = options.RelayPid is { } relayPid ? ProcessCpu.Read(relayPid) : null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        var result = await new LoadRunner(options, message).RunAsync(interrupt.Token).ConfigureAwait(false);
        result.StartedAt = startedAt;
        result.CpuPerMessageSelfUs = ProcessCpu.PerMessage(cpuSelf, ProcessCpu.Read(), result.Accepted);
        if (options.RelayPid is { } measured) result.CpuPerMessagePidUs = ProcessCpu.PerMessage(cpuPid, ProcessCpu.Read(measured), result.Accepted);
        if (queue is not null)
        {
            // End to end: from the first message sent to the moment the last accepted one left (the queue drained).
            var (drained, state) = await queue.WaitDrainedAsync(options.DrainTimeout, interrupt.Token).ConfigureAwait(false);
            result.Drained = drained;
            result.Delivered = state.Delivered - deliveredBefore;
            result.DeliveryElapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            result.DeliveryFailures = state.Failed;
            // The relay's CPU per message then covers accepting and delivering it.
            if (options.RelayPid is { } relayAfterDrain) result.CpuPerMessagePidUs = ProcessCpu.PerMessage(cpuPid, ProcessCpu.Read(relayAfterDrain), result.Accepted);
        }
        if (waiters is not null) (result.Waiters, result.WaiterAnswers, result.WaiterErrors) = (options.Waiters, waiters.Answers - waiterAnswersBefore, waiters.Errors);
        result.PeakMemorySelf = PeakMemory.Read();
        if (options.RelayPid is { } pid) result.PeakMemoryPid = PeakMemory.Read(pid);
        Console.WriteLine(options.Json ? result.ToJson() : result.ToText());
        return result.Accepted > 0 ? 0 : 1;
    }
}
