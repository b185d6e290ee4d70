using System.CommandLine;
using System.CommandLine.Help;
using SmarthostLab.Probe.Commands;

namespace SmarthostLab.Probe;

/// <summary>
/// The probe's entry point, usable in-process: <c>await ProbeApp.RunAsync(args, stdout, stderr)</c>
/// returns the exit code (<see cref="ExitCodes"/>) exactly as the program would.
/// </summary>
public static class ProbeApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var console = new ProbeConsole(output, error);
        var root = BuildRootCommand(console);
        var parseResult = root.Parse(args);

        // System.CommandLine answers parse errors with 1; the probe documents 2 for "could not run".
        if (parseResult.Action is not HelpAction && parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"probe: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("run 'smarthostlab-probe --help' (or '<command> --help') for usage").ConfigureAwait(false);
            return ExitCodes.CouldNotRun;
        }

        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (ProbeException ex)
        {
            await error.WriteLineAsync($"probe: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.CouldNotRun;
        }
    }

    /// <summary>Builds the command tree; actions write to <paramref name="console"/>.</summary>
    public static RootCommand BuildRootCommand(ProbeConsole console)
    {
        var root = new RootCommand(
            "SmarthostLab probe: verifies an Exchange (or any MTA) smarthost setup end to end.\n" +
            "Exit codes: 0 all checks pass (warnings allowed), 1 a check failed, 2 could not run.");
        root.Subcommands.Add(ConnectorCommands.Build(console));
        root.Subcommands.Add(DnsCommand.Build(console));
        root.Subcommands.Add(SendCommand.Build(console));
        return root;
    }
}
