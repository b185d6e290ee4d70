using SmarthostLab.Probe;

return await ProbeApp.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
