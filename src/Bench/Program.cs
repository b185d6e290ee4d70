using System.Reflection;
using SmarthostLab.Bench.Load;
using SmarthostLab.Bench.Micro;

// smarthostlab-bench load … | micro … | relay-args … | soak …  (see docs/BENCH.md)
return args.FirstOrDefault() switch
{
    "load" => await LoadCommand.RunAsync(args[1..]),
    "micro" => MicroCommand.Run(args[1..]),
    "relay-args" => await RelayArgsCommand.RunAsync(args[1..]),
    "soak" => await SoakCommand.RunAsync(args[1..]),
    "--version" => PrintVersion(),
    _ => Usage(),
};

// What System.CommandLine's root command prints for --version: the informational version (0.1.0+commit).
static int PrintVersion()
{
    Console.WriteLine(typeof(LoadCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: smarthostlab-bench load [--target HOST:PORT] [--connections N] [--messages M] [--size 1k|32k|…]
                                       [--pipelining] [--bdat] [--tls] [--signed] [--duration S] [--bind ADDR]
                                       [--pid PID] [--json] [--start-relay]        (load --help for all)
               smarthostlab-bench micro [BenchmarkDotNet arguments, e.g. --filter '*Spf*']
               smarthostlab-bench relay-args --folder DIR [--target HOST:PORT] [--dkim-key FILE]
                                       (writes the lab config of --start-relay, prints the relay's arguments)
               smarthostlab-bench soak --relay-dll PATH [--cycles N] [--connections C] [--seconds-per-cycle S]
                                       [--seed X] [--json]   (kill -9 the relay under load, then check that
                                       every acknowledged message is stored once)
               smarthostlab-bench soak --mode slow-reader|flood --relay-dll PATH [--seconds S] [--json] …
                                       (hostile slow clients or a connection flood while registered servers
                                       send: were they served? --mode flood --help for all)
        """);
    return 2;
}
