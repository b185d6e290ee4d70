using System.CommandLine;

namespace SmarthostLab.Probe.Commands;

/// <summary><c>probe dns</c>: the DNS prerequisites of a sending domain.</summary>
public static class DnsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(ProbeConsole console)
    {
        var domain = new Option<string>("--domain") { Description = "The sending domain (RFC5322.From domain).", Required = true };
        var command = new Command("dns", "Check the sending domain's SPF, DKIM and DMARC records against the smarthost guides.") { domain };
        command.SetAction(parse =>
        {
            console.Error.WriteLine("probe dns: waiting for the verification library");
            return ExitCodes.CouldNotRun;
        });
        return command;
    }
}
