using SmarthostLab.Bench.Load;
using SmarthostLab.Bench.Micro;

// smarthostlab-bench load … | micro …  (see docs/BENCH.md)
return args.FirstOrDefault() switch
{
    "load" => await LoadCommand.RunAsync(args[1..]),
    "micro" => MicroCommand.Run(args[1..]),
    "relay-args" => await RelayArgsCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: smarthostlab-bench load [--target HOST:PORT] [--connections N] [--messages M] [--size 1k|32k|…]
                                       [--pipelining] [--bdat] [--tls] [--signed] [--duration S] [--bind ADDR]
                                       [--pid PID] [--json] [--start-relay]        (load --help for all)
               smarthostlab-bench micro [BenchmarkDotNet arguments, e.g. --filter '*Spf*']
               smarthostlab-bench relay-args --folder DIR [--target HOST:PORT] [--dkim-key FILE]
                                       (writes the lab config of --start-relay, prints the relay's arguments)
        """);
    return 2;
}
