using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Tests.Verification;

public sealed class VerificationEndToEndTests
{
    private const string DmarcReject = "550 5.7.26 Unauthenticated email from fabrikam.test is not accepted due to domain's DMARC policy";

    [Fact]
    public async Task Relay_signs_for_contoso_and_the_stored_message_passes_spf_dkim_dmarc_with_the_published_key()
    {
        await using var lab = await VerificationLab.StartAsync();
        using var client = await Mail.ConnectAsync(lab.Relay.Smtp, TestRelay.Registered);
        client.LocalDomain = "mail.contoso.test";
        var reply = await client.SendAsync(Mail.Message("signed by the relay"));
        await client.DisconnectAsync(true);
        var id = Mail.QueueIdOf(reply);

        var raw = await lab.RawTextAsync(id);
        var lines = raw.Split("\r\n");
        Assert.StartsWith("Authentication-Results: smarthost.test;", lines[0]);
        var header = raw[..raw.IndexOf("\r\nReceived:", StringComparison.Ordinal)];
        Assert.Contains("spf=pass", header);
        Assert.Contains("dkim=pass header.d=contoso.test header.s=s1", header);
        Assert.Contains("dmarc=pass", header);
        // A-R, then the relay's Received, then the relay's DKIM-Signature right above the content it signs.
        Assert.True(raw.IndexOf("\r\nReceived:", StringComparison.Ordinal) < raw.IndexOf("\r\nDKIM-Signature:", StringComparison.Ordinal));

        // An independent verifier over /raw, as a receiver would check it after the relay forwards it.
        var options = new VerificationOptions { AuthServId = "receiver.test", Zones = [lab.ZonePath], Dns = new DnsOptions { Offline = true } };
        var verifier = new MessageVerifier(DnsResolverFactory.Create(options), options);
        var result = await verifier.VerifyAsync(IPAddress.Parse(VerificationLab.Egress), "smarthost.test", "alice@contoso.test", Encoding.ASCII.GetBytes(raw));
        var dkim = Assert.Single(result.Dkim);
        Assert.Equal(new DkimVerdict(DkimResult.Pass, "contoso.test", "s1", "rsa-sha256"), dkim);
        Assert.Equal(DmarcResult.Pass, result.Dmarc.Result);

        var verdict = await lab.VerdictAsync(id);
        Assert.Equal("pass", verdict.GetProperty("spf").GetProperty("result").GetString());
        Assert.Equal("contoso.test", verdict.GetProperty("spf").GetProperty("domain").GetString());
        Assert.Equal(VerificationLab.Egress, verdict.GetProperty("spf").GetProperty("ip").GetString());
        Assert.Equal("mailfrom", verdict.GetProperty("spf").GetProperty("identity").GetString());
        Assert.Equal("pass", verdict.GetProperty("spfClient").GetProperty("result").GetString());
        Assert.Equal("127.0.0.2", verdict.GetProperty("spfClient").GetProperty("ip").GetString());
        var signature = Assert.Single(verdict.GetProperty("dkim").EnumerateArray().ToList());
        Assert.Equal("""{"result":"pass","domain":"contoso.test","selector":"s1","algorithm":"rsa-sha256","reason":null,"identity":null}""", signature.GetRawText());
        var dmarc = verdict.GetProperty("dmarc");
        Assert.Equal("pass", dmarc.GetProperty("result").GetString());
        Assert.Equal("reject", dmarc.GetProperty("policy").GetString());
        Assert.Equal("contoso.test", dmarc.GetProperty("fromDomain").GetString());
        Assert.True(dmarc.GetProperty("spfAligned").GetBoolean());
        Assert.True(dmarc.GetProperty("dkimAligned").GetBoolean());
        Assert.Equal("none", dmarc.GetProperty("disposition").GetString());
        Assert.Equal("accept", verdict.GetProperty("action").GetString());
    }

    [Fact]
    public async Task Dmarc_fail_under_Reject_is_refused_with_550_5_7_26_naming_the_domain_not_stored_and_listed()
    {
        await using var lab = await VerificationLab.StartAsync("--Accounts:0:DmarcFailurePolicy=Reject");
        var reply = await lab.SendRawAsync("bob@fabrikam.test", VerificationLab.Message("bob@fabrikam.test", "spoof"));

        Assert.Equal(DmarcReject, reply);
        Assert.Equal(0, (await lab.Relay.MessagesAsync()).Total);
        var refusal = Assert.Single((await lab.Relay.RefusalsAsync()).Refusals);
        Assert.Equal("policy", refusal.Stage);
        Assert.Equal("dmarc-fail", refusal.Reason);
        Assert.Equal(DmarcReject, refusal.Reply);
        Assert.Equal("bob@fabrikam.test", refusal.MailFrom);
    }

    [Fact]
    public async Task Dmarc_fail_under_Quarantine_is_stored_flagged_and_Tag_is_stored_tagged()
    {
        await using (var lab = await VerificationLab.StartAsync("--Accounts:0:DmarcFailurePolicy=Quarantine"))
        {
            var id = Mail.QueueIdOf(await lab.SendRawAsync("bob@fabrikam.test", VerificationLab.Message("bob@fabrikam.test", "quarantined")));
            var message = Assert.Single((await lab.Relay.MessagesAsync()).Messages);
            Assert.Equal(id, message.Id);
            Assert.True(message.Quarantined);
            var verdict = JsonSerializer.SerializeToElement(message.Verdict!, RelayJson.Context.Verdict);
            Assert.Equal("quarantine", verdict.GetProperty("action").GetString());
            Assert.Equal("fail", verdict.GetProperty("dmarc").GetProperty("result").GetString());
            Assert.Equal(1, (await lab.Relay.MessagesAsync("?quarantined=true&action=quarantine")).Total);
        }

        await using (var lab = await VerificationLab.StartAsync())
        {
            await lab.SendRawAsync("bob@fabrikam.test", VerificationLab.Message("bob@fabrikam.test", "tagged"));
            var message = Assert.Single((await lab.Relay.MessagesAsync()).Messages);
            Assert.False(message.Quarantined);
            Assert.Equal("tag", JsonSerializer.SerializeToElement(message.Verdict!, RelayJson.Context.Verdict).GetProperty("action").GetString());
            Assert.Empty((await lab.Relay.RefusalsAsync()).Refusals);
        }
    }

    [Fact]
    public async Task Dns_timeout_gives_451_4_4_3_only_when_the_account_rejects()
    {
        await using (var lab = await VerificationLab.StartAsync("--Accounts:0:DmarcFailurePolicy=Reject"))
        {
            var reply = await lab.SendRawAsync("carol@slow.example", VerificationLab.Message("carol@slow.example", "slow"));
            Assert.Equal("451 4.4.3 DNS lookup failed while checking SPF/DKIM/DMARC for slow.example, please try again later", reply);
            Assert.Equal(0, (await lab.Relay.MessagesAsync()).Total);
            var refusal = Assert.Single((await lab.Relay.RefusalsAsync()).Refusals);
            Assert.Equal(("policy", "dns-temperror"), (refusal.Stage, refusal.Reason));
        }

        await using (var lab = await VerificationLab.StartAsync())
        {
            var reply = await lab.SendRawAsync("carol@slow.example", VerificationLab.Message("carol@slow.example", "slow"));
            Assert.StartsWith("250 2.0.0 Ok: queued as", reply);
            var verdict = await lab.VerdictAsync(Mail.QueueIdOf(reply));
            Assert.Equal("temperror", verdict.GetProperty("dmarc").GetProperty("result").GetString());
            Assert.Equal("temperror", verdict.GetProperty("spf").GetProperty("result").GetString());
            Assert.Equal("accept", verdict.GetProperty("action").GetString());
            Assert.Contains("dmarc=temperror", await lab.RawTextAsync(Mail.QueueIdOf(reply)));
        }
    }

    [Fact]
    public async Task Incoming_Authentication_Results_claiming_our_authserv_id_are_removed_and_others_kept()
    {
        await using var lab = await VerificationLab.StartAsync();
        var forged = "Authentication-Results: smarthost.test;\r\n\tdkim=pass header.d=fabrikam.test\r\nAuthentication-Results: mx.other.example; spf=pass smtp.mailfrom=contoso.test\r\n";
        var reply = await lab.SendRawAsync("alice@contoso.test", VerificationLab.Message("alice@contoso.test", "forged", forged));

        var raw = await lab.RawTextAsync(Mail.QueueIdOf(reply));
        Assert.Single(raw.Split("\r\n"), l => l.StartsWith("Authentication-Results: smarthost.test", StringComparison.Ordinal));
        Assert.StartsWith("Authentication-Results: smarthost.test;", raw);
        Assert.DoesNotContain("header.d=fabrikam.test", raw);
        Assert.Contains("\r\nAuthentication-Results: mx.other.example; spf=pass smtp.mailfrom=contoso.test\r\n", raw);
        Assert.Equal("pass", (await lab.VerdictAsync(Mail.QueueIdOf(reply))).GetProperty("dmarc").GetProperty("result").GetString());
    }

    [Fact]
    public async Task Without_a_signing_key_a_client_signed_message_is_verified_as_sent_and_stored_byte_exact()
    {
        await using var lab = await VerificationLab.StartWithoutSigningAsync();
        var key = DkimSigningKey.LoadPem(VerificationLab.SampleKey, "contoso.test", "s1");
        // Larger than one 64 KiB buffer segment, so verification and the store read across segments.
        var body = string.Concat(Enumerable.Range(0, 1500).Select(i => $"line {i:D5} of a long report\r\n"));
        var signed = Encoding.ASCII.GetString(new DkimMessageSigner(key).SignAndPrepend(
            Encoding.ASCII.GetBytes(VerificationLab.Message("alice@contoso.test", "client-signed").Replace("Hello.\r\n", body, StringComparison.Ordinal))));

        var reply = await lab.SendRawAsync("alice@contoso.test", signed);

        Assert.StartsWith("250 2.0.0", reply);
        var raw = await lab.RawTextAsync(Mail.QueueIdOf(reply));
        Assert.StartsWith("Authentication-Results: smarthost.test;", raw);
        Assert.EndsWith("\r\n" + signed, raw);
        Assert.Single(raw.Split("\r\n"), l => l.StartsWith("DKIM-Signature:", StringComparison.Ordinal));
        var verdict = await lab.VerdictAsync(Mail.QueueIdOf(reply));
        Assert.Equal("pass", verdict.GetProperty("dkim")[0].GetProperty("result").GetString());
        Assert.Equal("pass", verdict.GetProperty("dmarc").GetProperty("result").GetString());
        var summary = await lab.Relay.Http.GetStringAsync("/api/v1/messages/" + Mail.QueueIdOf(reply));
        Assert.Contains("\"subject\":\"client-signed\"", summary);
    }

    [Fact]
    public async Task Without_a_signing_key_forged_Authentication_Results_are_still_removed()
    {
        await using var lab = await VerificationLab.StartWithoutSigningAsync();
        var forged = "Authentication-Results: SMARTHOST.TEST (forged) ; dmarc=pass\r\n";
        var message = VerificationLab.Message("alice@contoso.test", "forged-unsigned", forged);

        var reply = await lab.SendRawAsync("alice@contoso.test", message);

        var raw = await lab.RawTextAsync(Mail.QueueIdOf(reply));
        Assert.Single(raw.Split("\r\n"), l => l.StartsWith("Authentication-Results:", StringComparison.Ordinal));
        Assert.DoesNotContain("(forged)", raw);
        Assert.EndsWith("\r\n" + message.Replace(forged, "", StringComparison.Ordinal), raw);
    }

    [Fact]
    public async Task Post_verify_returns_the_verdict_and_stores_nothing()
    {
        await using var lab = await VerificationLab.StartAsync();
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(VerificationLab.Message("bob@fabrikam.test", "api")));
        content.Headers.ContentType = new("message/rfc822");
        var response = await lab.Relay.Http.PostAsync("/api/v1/verify?ip=192.0.2.200&helo=mx.fabrikam.test&mailFrom=bob@fabrikam.test&policy=reject", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verdict = (await response.Content.ReadFromJsonAsync(RelayJson.Context.Verdict))!;
        Assert.Equal(SpfResult.Fail, verdict.Spf.Result);         // egress 198.51.100.25 is not in fabrikam's SPF
        Assert.Equal(SpfResult.Pass, verdict.SpfClient.Result);   // the client IP is
        Assert.Equal("192.0.2.200", verdict.SpfClient.Ip);
        Assert.Empty(verdict.Dkim);
        Assert.Equal(DmarcResult.Fail, verdict.Dmarc.Result);
        Assert.Equal(VerdictAction.Reject, verdict.Action);

        var tagged = await lab.Relay.Http.PostAsync("/api/v1/verify?ip=192.0.2.200&mailFrom=bob@fabrikam.test", new StringContent(VerificationLab.Message("bob@fabrikam.test", "api")));
        Assert.Equal(VerdictAction.Tag, (await tagged.Content.ReadFromJsonAsync(RelayJson.Context.Verdict))!.Action);

        var bad = await lab.Relay.Http.PostAsync("/api/v1/verify?ip=not-an-ip", new StringContent("x"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("ip: 'not-an-ip' is not an IP address", await bad.Content.ReadAsStringAsync());
        Assert.Equal(0, (await lab.Relay.MessagesAsync()).Total);
    }

    [Fact]
    public async Task Messages_filter_on_dmarc_spf_dkim_and_action()
    {
        await using var lab = await VerificationLab.StartAsync();
        var pass = Mail.QueueIdOf(await lab.SendRawAsync("alice@contoso.test", VerificationLab.Message("alice@contoso.test", "pass")));
        var fail = Mail.QueueIdOf(await lab.SendRawAsync("bob@fabrikam.test", VerificationLab.Message("bob@fabrikam.test", "fail")));

        Assert.Equal([fail], (await lab.Relay.MessagesAsync("?dmarc=fail")).Messages.Select(m => m.Id));
        Assert.Equal([pass], (await lab.Relay.MessagesAsync("?dmarc=pass")).Messages.Select(m => m.Id));
        Assert.Equal([fail], (await lab.Relay.MessagesAsync("?spf=fail")).Messages.Select(m => m.Id));
        Assert.Equal([pass], (await lab.Relay.MessagesAsync("?dkim=pass")).Messages.Select(m => m.Id));
        Assert.Equal([fail], (await lab.Relay.MessagesAsync("?dkim=none")).Messages.Select(m => m.Id));
        Assert.Equal([fail], (await lab.Relay.MessagesAsync("?action=tag")).Messages.Select(m => m.Id));
        Assert.Equal(2, (await lab.Relay.MessagesAsync("?quarantined=false")).Total);
        var bad = await lab.Relay.Http.GetAsync("/api/v1/messages?dmarc=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("dmarc: 'maybe'", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Null_sender_is_checked_as_postmaster_at_the_helo_name()
    {
        await using var lab = await VerificationLab.StartAsync();
        var reply = await lab.SendRawAsync("", VerificationLab.Message("mailer-daemon@contoso.test", "bounce"), helo: "contoso.test");

        var verdict = await lab.VerdictAsync(Mail.QueueIdOf(reply));
        // Client evaluation: postmaster@<client HELO> = postmaster@contoso.test, whose SPF covers 127.0.0.0/8.
        var client = verdict.GetProperty("spfClient");
        Assert.Equal(("pass", "contoso.test", "127.0.0.2"), (client.GetProperty("result").GetString(), client.GetProperty("domain").GetString(), client.GetProperty("ip").GetString()));
        // Egress evaluation: after forwarding the HELO is the relay's (authserv-id), so postmaster@smarthost.test (no SPF record there).
        var egress = verdict.GetProperty("spf");
        Assert.Equal(("none", "smarthost.test", VerificationLab.Egress), (egress.GetProperty("result").GetString(), egress.GetProperty("domain").GetString(), egress.GetProperty("ip").GetString()));
        Assert.Equal("", (await lab.Relay.MessagesAsync()).Messages[0].MailFrom);
    }

    [Fact]
    public async Task A_subdomain_From_is_signed_with_the_parent_key_and_passes_dmarc_by_relaxed_alignment()
    {
        await using var lab = await VerificationLab.StartAsync();
        var reply = await lab.SendRawAsync("alice@contoso.test", VerificationLab.Message("news@news.contoso.test", "newsletter"));

        var verdict = await lab.VerdictAsync(Mail.QueueIdOf(reply));
        var signature = Assert.Single(verdict.GetProperty("dkim").EnumerateArray().ToList());
        Assert.Equal(("pass", "contoso.test"), (signature.GetProperty("result").GetString(), signature.GetProperty("domain").GetString()));
        var dmarc = verdict.GetProperty("dmarc");
        Assert.Equal(("pass", "news.contoso.test", true), (dmarc.GetProperty("result").GetString(), dmarc.GetProperty("fromDomain").GetString(), dmarc.GetProperty("dkimAligned").GetBoolean()));
    }

    [Fact]
    public async Task Api_info_names_egress_addresses_and_authserv_id()
    {
        await using var lab = await VerificationLab.StartAsync();
        using var info = JsonDocument.Parse(await lab.Relay.Http.GetStringAsync("/api/v1/info"));
        Assert.Equal("""["198.51.100.25"]""", info.RootElement.GetProperty("egressAddresses").GetRawText());
        Assert.Equal("smarthost.test", info.RootElement.GetProperty("authServId").GetString());
    }
}
