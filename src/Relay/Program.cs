using SmarthostLab.Relay.Authentication;
using SmarthostLab.Relay.Hosting;

if (args.Length > 0 && args[0] == HashPasswordCommand.Name)
    return await HashPasswordCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error, terminal: !Console.IsInputRedirected).ConfigureAwait(false);
return await RelayHost.RunAsync(args).ConfigureAwait(false);
