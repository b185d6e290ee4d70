using System.CommandLine;
using System.CommandLine.Help;
using SmarthostLab.Bench.Load;
using SmarthostLab.Bench.Micro;
using SmarthostLab.Bench.Report;

namespace SmarthostLab.Bench.Cli;

/// <summary>
/// The bench's entry point, usable in-process: <c>await BenchApp.RunAsync(args, stdout, stderr)</c> returns the exit
/// code exactly as the program would. <c>--help</c> (at the top or after a command) prints usage on stdout and
/// exits 0; a bad flag or value exits 2 with a line on stderr naming it.
/// </summary>
public static class BenchApp
{
    /// <summary>The exit code of bad usage (System.CommandLine's own is 1, which the bench's commands use for "ran, and failed").</summary>
    public const int UsageExitCode = 2;

    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = BuildRootCommand(new BenchConsole(output, error));
        var parseResult = root.Parse(args);
        var name = parseResult.CommandResult.Command is RootCommand ? "bench" : parseResult.CommandResult.Command.Name;
        if (parseResult.Action is not HelpAction && parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"{name}: {parseError.Message}").ConfigureAwait(false);
            }
            await error.WriteLineAsync(UsageHint(name)).ConfigureAwait(false);
            return UsageExitCode;
        }

        // Ctrl+C is the caller's (Program.cs cancels the token): a load run then stops and still reports.
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"{name}: {e.Message}").ConfigureAwait(false);
            await error.WriteLineAsync(UsageHint(name)).ConfigureAwait(false);
            return UsageExitCode;
        }
    }

    private static string UsageHint(string command) => $"run 'smarthostlab-bench {(command == "bench" ? string.Empty : command + " ")}--help' for usage";

    /// <summary>Builds the command tree; actions write to <paramref name="console"/>.</summary>
    public static RootCommand BuildRootCommand(BenchConsole console)
    {
        var root = new RootCommand(
            "SmarthostLab bench: a loopback SMTP load generator (closed or open loop), soak runs against the relay, " +
            "BenchmarkDotNet micro-benchmarks, and an HTML report of load results. See docs/BENCH.md.\n" +
            "Exit codes: 0 done, 1 the run failed its check (nothing accepted, a message lost, a verdict no), 2 bad usage or could not run.");
        root.Subcommands.Add(LoadCommand.Build(console));
        root.Subcommands.Add(SoakCommand.Build(console));
        root.Subcommands.Add(RelayArgsCommand.Build(console));
        root.Subcommands.Add(MicroCommand.Build());
        root.Subcommands.Add(ReportCommand.Build(console));
        return root;
    }
}
