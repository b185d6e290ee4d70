using SmarthostLab.Relay.Hosting;

return await RelayHost.RunAsync(args).ConfigureAwait(false);
