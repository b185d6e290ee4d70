using System.CommandLine;
using SmarthostLab.Probe.Connectors;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Probe.Reporting;

namespace SmarthostLab.Probe.Commands;

/// <summary><c>probe connector lint</c> and <c>probe connector script</c>.</summary>
public static class ConnectorCommands
{
    /// <summary>Builds the <c>connector</c> command and its subcommands.</summary>
    public static Command Build(ProbeConsole console)
    {
        var connector = new Command("connector", "Check or create the Exchange connector that routes outbound mail to the smarthost.");
        connector.Subcommands.Add(BuildLint(console));
        connector.Subcommands.Add(BuildScript(console));
        return connector;
    }

    private static Command BuildLint(ProbeConsole console)
    {
        var file = new Option<FileInfo>("--file", "-f")
        {
            Description = "Connector export: Get-SendConnector NAME | ConvertTo-Json (or | Format-List), or an ldifde export of an Exchange 2003 SMTP connector. UTF-16 or UTF-8, with or without BOM.",
            Required = true,
        };
        var smartHost = new Option<string?>("--smarthost") { Description = "The smarthost the connector must route to (host name or IP)." };
        var relay = new Option<string?>("--relay") { Description = "Relay base URL (http://host:port); its /api/v1/info hostName is the expected smarthost." };
        var relayToken = new Option<string?>("--relay-token") { Description = "Bearer token for the relay's API when it protects read routes (Api:ReadToken); default $SMARTHOSTLAB_RELAY_TOKEN." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };

        var lint = new Command("lint", "Lint an exported Exchange 2016 send connector or Exchange 2003 SMTP connector against the smarthost guides.\nExit codes: 0 pass (warnings allowed), 1 a check failed, 2 could not run.")
        {
            file, smartHost, relay, relayToken, json,
        };
        lint.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(file).FullName;
            var expected = parse.GetValue(smartHost);
            var relayRequiresAuth = false;
            bool? relayOffersAuth = null, relayAuthRequiresTls = null;
            var relayUrl = parse.GetValue(relay);
            if (relayUrl is not null)
            {
                using var client = new RelayClient(relayUrl, RelayToken.From(parse.GetValue(relayToken)));
                var info = await client.GetInfoAsync(cancellationToken).ConfigureAwait(false);
                expected ??= info.HostName;
                relayRequiresAuth = info.AuthRequired;
                relayOffersAuth = info.AuthMechanisms is { } mechanisms ? mechanisms.Count > 0 : relayRequiresAuth ? true : null;
                relayAuthRequiresTls = info.AuthRequiresTls;
            }

            var read = ConnectorFileReader.ReadFile(path);
            var report = new ProbeReport("connector lint", path);
            var settings = read.Settings;
            report.Facts["connector"] = settings.Name ?? "(unnamed)";
            report.Facts["exchange"] = settings.Version == ExchangeVersion.Exchange2016 ? "2007-2019 send connector" : "2000/2003 SMTP connector";
            report.Facts["format"] = settings.Format;
            report.Facts["encoding"] = read.Encoding;
            if (expected is not null)
            {
                report.Facts["expectedSmartHost"] = expected;
            }

            if (read.ConnectorsInFile > 1)
            {
                report.Add(Finding.Info("file", $"the file holds {read.ConnectorsInFile} connectors; linted '{settings.Name}' (the one with SMTP:*, else the first)"));
            }

            foreach (var finding in ConnectorLinter.Lint(settings, new LintOptions(expected, relayRequiresAuth, relayOffersAuth, relayAuthRequiresTls)))
            {
                report.Add(finding);
            }

            return ReportOutput.Emit(report, console, parse.GetValue(json));
        });
        return lint;
    }

    private static Command BuildScript(ProbeConsole console)
    {
        var smartHost = new Option<string>("--smarthost") { Description = "The smarthost's host name (or IP).", Required = true };
        var name = new Option<string>("--name") { Description = "Name of the new send connector.", Required = true };
        var sourceServer = new Option<string[]>("--source-server")
        {
            Description = "Mailbox/Edge server that sends through the connector (repeatable).",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var port = new Option<int?>("--port") { Description = "Smarthost port when not 25." };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } p && (p < 1 || p > 65535))
            {
                result.AddError("--port must be 1-65535");
            }
        });

        var script = new Command("script", "Print the Exchange Management Shell command (New-SendConnector) that creates the connector the guides describe.")
        {
            smartHost, name, sourceServer, port,
        };
        script.SetAction(parse =>
        {
            var servers = parse.GetRequiredValue(sourceServer).Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
            if (servers.Count == 0)
            {
                throw new ProbeException("--source-server needs at least one server name");
            }

            console.Out.WriteLine(NewSendConnectorScript.Build(parse.GetRequiredValue(name), parse.GetRequiredValue(smartHost), servers, parse.GetValue(port)));
            return ExitCodes.Pass;
        });
        return script;
    }
}
