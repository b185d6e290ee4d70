using System.CommandLine;
using System.Net;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Probe.Send;

namespace SmarthostLab.Probe.Commands;

/// <summary><c>probe send</c>: one tokenized message through an MTA, verified at the relay.</summary>
public static class SendCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(ProbeConsole console)
    {
        var via = new Option<string>("--via") { Description = "MTA to submit to, host:port (the Exchange server, Postfix, or the relay's own SMTP port).", Required = true };
        var from = new Option<string>("--from") { Description = "Sender address (a domain of the relay account).", Required = true };
        var to = new Option<string>("--to") { Description = "Recipient address outside the organization (in the connector's address space).", Required = true };
        var relay = new Option<string>("--relay") { Description = "Relay base URL, http://host:port (its HTTP API).", Required = true };
        var bind = new Option<string?>("--bind") { Description = "Local source IP address for the SMTP connection." };
        var mtaIp = new Option<string?>("--mta-ip") { Description = "Address the MTA connects to the relay from (when --via is not the relay): its refusals end the wait early." };
        var startTls = new Option<bool>("--starttls") { Description = "Require STARTTLS to the MTA (default: use it when offered)." };
        var implicitTls = new Option<bool>("--tls") { Description = "Implicit TLS to the MTA (port 465 style)." };
        var noTls = new Option<bool>("--no-tls") { Description = "Never use TLS to the MTA." };
        var requireValid = new Option<bool>("--require-valid-cert") { Description = "Validate the MTA's certificate (default: accept self-signed lab certificates)." };
        var user = new Option<string?>("--user") { Description = "SMTP AUTH user name." };
        var password = new Option<string?>("--password") { Description = "SMTP AUTH password." };
        var helo = new Option<string?>("--helo") { Description = "EHLO name to announce." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the message at the relay, and for its delivery onward when the relay sends mail on.", DefaultValueFactory = _ => 30 };
        var noDelivery = new Option<bool>("--no-delivery") { Description = "Do not wait for the relay to deliver the message onward (Delivery:Mode NextHop or Mx); report arrival and verdicts only." };
        var relayToken = new Option<string?>("--relay-token") { Description = "Bearer token for the relay's API when it protects read routes (Api:ReadToken); default $SMARTHOSTLAB_RELAY_TOKEN." };
        var json = new Option<bool>("--json") { Description = "Print the whole report as JSON." };
        var junit = new Option<string?>("--junit") { Description = "Also write a JUnit XML report (one test case per check) to this file." };

        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 3600)
            {
                result.AddError("--timeout must be 1-3600 seconds");
            }
        });

        var command = new Command("send",
            "Send one verification message through an MTA and wait for it at the relay; report arrival, client IP and account, TLS, SPF, DKIM, DMARC, the relay's action, and its delivery onward when the relay sends mail on.\n" +
            "Exit codes: 0 pass (warnings allowed), 1 a check failed or the relay refused the message, 2 bad arguments or MTA/relay unreachable.")
        {
            via, from, to, relay, relayToken, bind, mtaIp, startTls, implicitTls, noTls, requireValid, user, password, helo, timeout, noDelivery, json, junit,
        };

        command.Validators.Add(result =>
        {
            var modes = new[] { startTls, implicitTls, noTls }.Count(o => result.GetValue(o));
            if (modes > 1)
            {
                result.AddError("use only one of --starttls, --tls, --no-tls");
            }

            if (result.GetValue(user) is not null && result.GetValue(password) is null)
            {
                result.AddError("--user needs --password");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            IPAddress? bindAddress = null;
            if (parse.GetValue(bind) is { } bindText && !IPAddress.TryParse(bindText, out bindAddress))
            {
                throw new ProbeException($"--bind '{bindText}' is not an IP address");
            }

            IPAddress? mtaAddress = null;
            if (parse.GetValue(mtaIp) is { } mtaText && !IPAddress.TryParse(mtaText, out mtaAddress))
            {
                throw new ProbeException($"--mta-ip '{mtaText}' is not an IP address");
            }

            var mode = parse.GetValue(startTls) ? TlsMode.StartTls
                : parse.GetValue(implicitTls) ? TlsMode.Implicit
                : parse.GetValue(noTls) ? TlsMode.None
                : TlsMode.Opportunistic;

            var options = new SendOptions
            {
                Via = SmtpEndpoint.Parse(parse.GetRequiredValue(via)),
                From = parse.GetRequiredValue(from),
                To = parse.GetRequiredValue(to),
                RelayUrl = parse.GetRequiredValue(relay),
                RelayToken = RelayToken.From(parse.GetValue(relayToken)),
                Bind = bindAddress,
                MtaIp = mtaAddress,
                Tls = mode,
                RequireValidCertificate = parse.GetValue(requireValid),
                User = parse.GetValue(user),
                Password = parse.GetValue(password),
                Helo = parse.GetValue(helo),
                TimeoutSeconds = parse.GetValue(timeout),
                WaitForDelivery = !parse.GetValue(noDelivery),
            };

            ProbeReport report;
            try
            {
                report = await SendProbe.RunAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (ProbeException ex) when (parse.GetValue(junit) is { Length: > 0 } junitPath)
            {
                // CI still gets a JUnit file: one errored case saying why the probe could not run.
                JUnitReportWriter.WriteCouldNotRun("send", ex.Message, junitPath);
                throw;
            }

            return ReportOutput.Emit(report, console, parse.GetValue(json), parse.GetValue(junit));
        });
        return command;
    }
}
