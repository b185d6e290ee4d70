using SmarthostLab.Contracts;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Probe.Send;

namespace SmarthostLab.Probe.Tests.Send;

public sealed class VerdictFindingsTests
{
    private static readonly InfoResponse Info = Contract.Info("smarthost.test", "198.51.100.25");
    private static readonly AccountListResponse Accounts = new([Contract.Account("contoso", ["192.0.2.0/28"], ["contoso.test"])]);

    private static MessageResponse Message(Verdict? verdict, TlsResponse? tls = null) =>
        Contract.Message("01J", "192.0.2.10", "contoso", tls, verdict);

    private static Verdict Verdict(SpfResult egress, IReadOnlyList<DkimVerdict> dkim, DmarcResult dmarc, VerdictAction action = VerdictAction.Accept) => new(
        new SpfVerdict(egress, "contoso.test", "198.51.100.25", "mailfrom", null, "matched include:_spf.smarthost.test"),
        new SpfVerdict(SpfResult.Fail, "contoso.test", "192.0.2.10", "mailfrom"),
        null,
        dkim,
        new DmarcVerdict(dmarc, "reject", "contoso.test", "contoso.test", egress == SpfResult.Pass, dkim.Any(d => d.Result == DkimResult.Pass), dmarc == DmarcResult.Fail ? "reject" : "none"),
        action);

    private static Dictionary<string, Severity> Run(MessageResponse message)
        => VerdictFindings.For(message, Accounts, Info).GroupBy(f => f.Check).ToDictionary(g => g.Key, g => g.Last().Severity);

    [Fact]
    public void All_good_passes_and_an_unsigned_message_is_only_a_warning()
    {
        var findings = Run(Message(Verdict(SpfResult.Pass, [], DmarcResult.Pass), new TlsResponse("Tls13", "TLS_AES_256_GCM_SHA384")));

        Assert.Equal(Severity.Pass, findings["client-ip"]);
        Assert.Equal(Severity.Pass, findings["tls"]);
        Assert.Equal(Severity.Pass, findings["spf-egress"]);
        Assert.Equal(Severity.Info, findings["spf-client"]);
        Assert.Equal(Severity.Warn, findings["dkim"]);
        Assert.Equal(Severity.Pass, findings["dmarc"]);
        Assert.Equal(Severity.Pass, findings["action"]);
    }

    [Fact]
    public void SPF_without_the_smarthost_fails_with_the_include_hint()
    {
        var findings = VerdictFindings.For(Message(Verdict(SpfResult.Fail, [], DmarcResult.Fail, VerdictAction.Tag)), Accounts, Info).ToList();

        var spf = findings.Single(f => f.Check == "spf-egress");
        Assert.Equal(Severity.Fail, spf.Severity);
        Assert.Contains("the domain's SPF does not include the smarthost", spf.Fix, StringComparison.Ordinal);
        Assert.Contains("ip4:198.51.100.25", spf.Fix, StringComparison.Ordinal);
        Assert.Equal(Severity.Fail, findings.Single(f => f.Check == "dmarc").Severity);
        Assert.Equal(Severity.Warn, findings.Single(f => f.Check == "action").Severity);
        Assert.Equal(Severity.Warn, findings.Single(f => f.Check == "tls").Severity);
    }

    [Fact]
    public void Each_DKIM_signature_gets_its_own_line_and_a_missing_key_names_the_record()
    {
        var dkim = new[]
        {
            new DkimVerdict(DkimResult.Pass, "contoso.test", "s1", "rsa-sha256"),
            new DkimVerdict(DkimResult.PermError, "contoso.test", "s2", "rsa-sha256", "no key at s2._domainkey.contoso.test"),
        };

        var lines = VerdictFindings.For(Message(Verdict(SpfResult.Pass, dkim, DmarcResult.Pass)), Accounts, Info).Where(f => f.Check == "dkim").ToList();

        Assert.Equal([Severity.Pass, Severity.Fail], lines.Select(l => l.Severity));
        Assert.Contains("DKIM selector record missing", lines[1].Fix, StringComparison.Ordinal);
        Assert.Contains("s2._domainkey.contoso.test", lines[1].Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_ip_is_matched_against_account_ranges()
    {
        var finding = VerdictFindings.For(Message(null), Accounts, Info).First();

        Assert.Equal("client-ip", finding.Check);
        Assert.Equal(Severity.Pass, finding.Severity);
        Assert.Contains("account 'contoso'", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.10", null, "fabrikam")]    // the host entry is longer than contoso's /24
    [InlineData("192.0.2.11", null, "contoso")]
    [InlineData("::ffff:192.0.2.10", null, "fabrikam")]
    [InlineData("192.0.2.10", "contoso", "contoso")] // the account the relay recorded wins over the list
    public void Without_the_relay_recorded_account_the_longest_matching_prefix_names_it(string ip, string? recorded, string expected)
    {
        var overlapping = new AccountListResponse(
            [
                Contract.Account("contoso", ["192.0.2.0/24"], ["contoso.test"]),
                Contract.Account("fabrikam", ["2001:db8::/32", "192.0.2.10"], ["fabrikam.test"]),
            ]);
        var message = Contract.Message("01J", ip, recorded);

        var finding = VerdictFindings.For(message, overlapping, Info).First();

        Assert.Equal(Severity.Pass, finding.Severity);
        Assert.Contains($"account '{expected}'", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_ip_no_account_lists_is_a_warning()
    {
        var finding = VerdictFindings.For(Contract.Message("01J", "198.51.100.7"), Accounts, Info).First();

        Assert.Equal(Severity.Warn, finding.Severity);
        Assert.Contains("which no account lists as an outbound server", finding.Message, StringComparison.Ordinal);
    }
}
