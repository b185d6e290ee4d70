using System.CommandLine;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The <c>relay-args</c> command: writes the lab configuration of <see cref="RelayLabConfig"/> into a
/// folder and prints the relay's arguments, one a line, so a script can run the relay as its own
/// process (and read its peak memory) with exactly the setup of <c>load --start-relay</c>.
/// </summary>
public static class RelayArgsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(BenchConsole console)
    {
        var flags = new LoadFlags();
        var folder = new Option<DirectoryInfo>("--folder") { Description = "Folder to write the lab configuration into (created).", HelpName = "DIR", Required = true };
        var command = new Command("relay-args",
            "Write the lab configuration load --start-relay uses into a folder and print the relay's arguments, one a line, " +
            "so a script can run the relay as its own process: mapfile -t a < <(smarthostlab-bench relay-args --folder DIR …); dotnet smarthostlab-relay.dll \"${a[@]}\".")
        {
            folder,
        };
        flags.AddToRelayArgs(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(folder).FullName;
            var keyFile = parse.GetValue(flags.DkimKey)?.FullName;
            var options = new LoadOptions
            {
                Target = parse.GetValue(flags.Target) ?? new(System.Net.IPAddress.Loopback, 2525),
                Http = parse.GetValue(flags.Http),
                NextHop = parse.GetValue(flags.NextHop),
                SenderDomain = parse.GetValue(flags.SenderDomain) ?? "contoso.test",
                DkimKeyPath = keyFile,
                Signed = parse.GetValue(flags.Signed) || keyFile is not null,
            };
            Directory.CreateDirectory(path);
            var key = keyFile is null ? null : await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false);
            var message = BenchMessage.Create(1024, options.SenderDomain, options.Signed, key);
            foreach (var arg in RelayLabConfig.Write(path, options, message)) await console.Out.WriteLineAsync(arg).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
