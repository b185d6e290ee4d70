using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Probe.Send;

namespace SmarthostLab.Probe.Tests.Send;

/// <summary>
/// The probe stays usable against relays older than a field of the contract, as it was with its own copies: what such a
/// relay leaves out reads as null, false or none, and the findings say nothing wrong about it.
/// </summary>
public sealed class OlderRelayTests
{
    [Fact]
    public void A_message_without_delivery_authenticated_user_dsn_or_SPF_record_reads_as_none()
    {
        const string json = """
            {"id":"01J","account":"contoso","clientIp":"192.0.2.10","helo":"mta","tls":null,"mailFrom":"alice@contoso.test",
             "mailFromParameters":"","recipients":["bob@example.com"],"size":10,"receivedAt":"2026-11-23T11:07:00Z","subject":null,
             "messageId":null,"from":null,"quarantined":false,"futureField":{"any":1},
             "verdict":{"spf":{"result":"pass","domain":"contoso.test","ip":"198.51.100.25","identity":"mailfrom"},
                        "spfClient":{"result":"fail","domain":"contoso.test","ip":"192.0.2.10","identity":"mailfrom"},"spfHelo":null,
                        "dkim":[],"dmarc":{"result":"pass","policy":"reject","fromDomain":"contoso.test","orgDomain":"contoso.test",
                        "spfAligned":true,"dkimAligned":false,"disposition":"none"},"action":"accept"}}
            """;

        var message = RelayClient.Tolerant(JsonSerializer.Deserialize(json, ApiJson.Context.MessageResponse)!);

        Assert.Empty(message.Delivery);
        Assert.Empty(DeliveryFindings.For(message, 30));
        Assert.Equal((null, null), (message.AuthenticatedUser, message.DsnOf));
        Assert.Equal((SpfResult.Pass, null, null, null), (message.Verdict!.Spf.Result, message.Verdict.Spf.Record, message.Verdict.Spf.Mechanism, message.Verdict.Spf.RecordDomain));
    }

    [Fact]
    public void Info_without_the_AUTH_fields_reads_as_not_known()
    {
        const string json = """
            {"version":"0.1.0","hostName":"smarthost.test","smtp":[{"endpoint":"0.0.0.0:25","tls":"starttls"}],"http":null,
             "limits":{"maxMessageSize":1,"maxRecipients":1,"maxConnections":1,"maxConnectionsPerIp":1,"maxBadCommands":1,
             "commandTimeoutSeconds":1,"dataTimeoutSeconds":1},"egressAddresses":["198.51.100.25"],"authServId":null}
            """;

        var info = JsonSerializer.Deserialize(json, ApiJson.Context.InfoResponse)!;

        Assert.Equal((false, null, false), (info.AuthRequired, info.AuthMechanisms, info.AuthRequiresTls));
    }
}
