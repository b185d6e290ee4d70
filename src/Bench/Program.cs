using SmarthostLab.Bench.Cli;

// smarthostlab-bench load … | soak … | relay-args … | micro … | report …  (--help; see docs/BENCH.md)
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the run, which still reports; a second one ends the process.
    if (interrupt.IsCancellationRequested) return;
    e.Cancel = true;
    interrupt.Cancel();
};
return await BenchApp.RunAsync(args, Console.Out, Console.Error, interrupt.Token);
