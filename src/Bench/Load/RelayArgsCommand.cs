namespace SmarthostLab.Bench.Load;

/// <summary>
/// The <c>relay-args</c> command: writes the lab configuration of <see cref="RelayLabConfig"/> into a
/// folder and prints the relay's arguments, one a line, so a script can run the relay as its own
/// process (and read its peak memory) with exactly the setup of <c>load --start-relay</c>.
/// </summary>
public static class RelayArgsCommand
{
    /// <summary>Usage: <c>relay-args --folder DIR [load options: --target, --sender-domain, --dkim-key]</c>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var folderAt = args.ToList().IndexOf("--folder");
        if (folderAt < 0 || folderAt + 1 >= args.Count)
        {
            await Console.Error.WriteLineAsync("usage: smarthostlab-bench relay-args --folder DIR [--target HOST:PORT] [--dkim-key FILE] [--sender-domain D]").ConfigureAwait(false);
            return 2;
        }
        var folder = Path.GetFullPath(args[folderAt + 1]);
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse([.. args.Where((_, i) => i != folderAt && i != folderAt + 1)]);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"relay-args: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        Directory.CreateDirectory(folder);
        var key = options.DkimKeyPath is null ? null : await File.ReadAllTextAsync(options.DkimKeyPath).ConfigureAwait(false);
        var message = BenchMessage.Create(1024, options.SenderDomain, options.Signed, key);
        foreach (var arg in RelayLabConfig.Write(folder, options, message)) Console.WriteLine(arg);
        return 0;
    }
}
