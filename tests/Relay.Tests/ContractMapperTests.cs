using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// The stored verdict (VerdictJson) reaches the API as the typed contract Verdict (issue 17) and leaves it byte for byte
/// as stored, as when the API passed the stored JSON through untouched.
/// </summary>
public sealed class ContractMapperTests
{
    [Fact]
    public void The_verdict_the_relay_stores_is_the_verdict_the_API_writes_byte_for_byte()
    {
        var verdict = new Verdict(
            new SpfVerdict(SpfResult.SoftFail, "contoso.test", "198.51.100.25", "mailfrom", "not <authorized> & \"soft\"", "matched ~all",
                "v=spf1 include:_spf.contoso.test ~all", "~all", "contoso.test"),
            new SpfVerdict(SpfResult.Pass, "contoso.test", "192.0.2.10", "mailfrom"),
            new SpfVerdict(SpfResult.None, "mta.contoso.test", "192.0.2.10", "helo", Reason: "no SPF record"),
            [new DkimVerdict(DkimResult.Pass, "contoso.test", "s1", "rsa-sha256"), new DkimVerdict(DkimResult.PermError, null, null, null, "no d= tag", "@contoso.test")],
            new DmarcVerdict(DmarcResult.Pass, "reject", "contoso.test", "contoso.test", false, true, "none", null, "v=DMARC1; p=reject"),
            VerdictAction.Accept);
        var stored = VerdictJson.Serialize(verdict);
        var message = new StoredMessage
        {
            Id = "01JD", ClientIp = "192.0.2.10", MailFrom = "alice@contoso.test", Recipients = ["bob@example.com"], VerdictJson = stored,
        };

        var response = message.ToResponse();
        using var written = JsonDocument.Parse(JsonSerializer.Serialize(response, RelayJson.Context.MessageResponse));

        var typed = response.Verdict!;
        Assert.Equal((verdict.Spf, verdict.SpfClient, verdict.SpfHelo, verdict.Dmarc, verdict.Action), (typed.Spf, typed.SpfClient, typed.SpfHelo, typed.Dmarc, typed.Action));
        Assert.Equal(verdict.Dkim, typed.Dkim);
        Assert.Equal(stored, written.RootElement.GetProperty("verdict").GetRawText());
    }

    [Fact]
    public void A_message_stored_without_a_verdict_has_null()
    {
        var message = new StoredMessage { Id = "01JD", ClientIp = "192.0.2.10", MailFrom = "", Recipients = ["bob@example.com"] };

        using var written = JsonDocument.Parse(JsonSerializer.Serialize(message.ToResponse(), RelayJson.Context.MessageResponse));

        Assert.Equal(JsonValueKind.Null, written.RootElement.GetProperty("verdict").ValueKind);
    }
}
