using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using SmarthostLab.Relay.Faults;
using SmarthostLab.Relay.Hosting;
using RelayCommandLine = SmarthostLab.Relay.Hosting.CommandLine;
using SmarthostLab.Relay.Tests.Infrastructure;

namespace SmarthostLab.Relay.Tests.Faults;

/// <summary>Issue 14: a bad fault rule stops the start with one line naming the key, and the API answers 400 naming the field.</summary>
public sealed class FaultConfigurationAndApiTests
{
    private static string? Validate(params string[] args)
    {
        var configuration = new ConfigurationManager();
        RelayConfigurationBuilder.Apply(configuration, RelayCommandLine.Parse(args));
        return RelayConfigurationBuilder.Validate(configuration);
    }

    private static string[] Rule(params string[] fields) =>
        [.. new[] { "Name=r1", "Stage=Rcpt", "Reply:Code=451" }.Concat(fields).Select(f => "--Faults:Rules:0:" + f)];

    [Theory]
    [InlineData("Stage=later", "Faults:Rules:0:Stage: 'later' is not one of connect, helo, starttls, mail, rcpt, data, bdat, end-of-data")]
    [InlineData("Reply:Code=250", "Faults:Rules:0:Reply:Code: must be between 400 and 599 (got 250)")]
    [InlineData("Reply:EnhancedCode=5.7.1", "Faults:Rules:0:Reply:EnhancedCode: '5.7.1' is not of the class of Faults:Rules:0:Reply:Code 451")]
    [InlineData("ClientIp=10.0.0.0/33", "Faults:Rules:0:ClientIp: '10.0.0.0/33' is not an IP address or CIDR range")]
    [InlineData("CloseAfterOctets=10", "Faults:Rules:0:CloseAfterOctets: only at the data and bdat stages (this rule's is rcpt)")]
    [InlineData("Subject=x", "Faults:Rules:0:Subject: only at the end-of-data stage (this rule's is rcpt)")]
    [InlineData("Delay=01:00:00", "Faults:Rules:0:Delay: must be more than 00:00:00 and at most 00:15:00 (got 01:00:00)")]
    [InlineData("Delay=soon", "Faults:Rules:0:Delay: 'soon' is not a time span such as 00:05:00")]
    [InlineData("Probability=1.5", "Faults:Rules:0:Probability: must be more than 0 and at most 1 (got 1.5)")]
    [InlineData("Seed=3", "Faults:Rules:0:Seed: only with Faults:Rules:0:Probability")]
    [InlineData("Close=true", "Faults:Rules:0:Close: closes without a reply: not with Faults:Rules:0:Reply")]
    [InlineData("Stag=rcpt", "Faults:Rules:0:Stag: unknown key; did you mean Faults:Rules:0:Stage?")]
    [InlineData("EveryNth=often", "Faults:Rules:0:EveryNth: 'often' is not an integer")]
    [InlineData("EveryNth=3", "")]
    public void A_bad_configured_rule_gives_one_line_naming_the_key(string field, string expected)
    {
        var problem = Validate(Rule(field));
        if (expected.Length == 0) Assert.Null(problem);
        else Assert.Equal(expected, problem);
    }

    [Fact]
    public void Two_configured_rules_may_not_share_a_name_and_a_rule_needs_an_action()
    {
        Assert.Equal("Faults:Rules:1:Name: 'R1' is used by another rule",
            Validate([.. Rule(), "--Faults:Rules:1:Name=R1", "--Faults:Rules:1:Stage=mail", "--Faults:Rules:1:Close=true"]));
        Assert.Equal("Faults:Rules:0: no action: give Faults:Rules:0:Reply, Faults:Rules:0:Delay, Faults:Rules:0:Close, Faults:Rules:0:CloseAfterOctets or Faults:Rules:0:TarpitOctetsPerSecond",
            Validate("--Faults:Rules:0:Name=idle", "--Faults:Rules:0:Stage=mail"));
    }

    [Fact]
    public async Task The_relay_does_not_start_with_a_bad_rule()
    {
        var failure = await Assert.ThrowsAsync<RelayConfigurationException>(() => TestRelay.StartAsync(Rule("Stage=nowhere")));
        Assert.StartsWith("Faults:Rules:0:Stage: 'nowhere' is not one of", failure.Message);
    }

    [Theory]
    [InlineData("""{"stage":"rcpt","reply":{"code":451}}""", "name: required")]
    [InlineData("""{"name":"a b","stage":"rcpt","reply":{"code":451}}""", "name: 'a b' must be 1 to 64 letters, digits, '-', '_' or '.'")]
    [InlineData("""{"name":"x","stage":"later","reply":{"code":451}}""", "stage: 'later' is not one of connect, helo, starttls, mail, rcpt, data, bdat, end-of-data")]
    [InlineData("""{"name":"x","stage":"rcpt","reply":{"code":200}}""", "reply.code: must be between 400 and 599 (got 200)")]
    [InlineData("""{"name":"x","stage":"rcpt","reply":{"text":"no code"}}""", "reply.code: required: 400 to 599")]
    [InlineData("""{"name":"x","stage":"rcpt","reply":{"code":451,"enhancedCode":"4.7"}}""", "reply.enhancedCode: '4.7' is not an RFC 3463 code such as 4.7.1")]
    [InlineData("""{"name":"x","stage":"rcpt","reply":{"code":451,"text":"bad\tchar"}}""", "reply.text: printable ASCII only ('\\n' between lines)")]
    [InlineData("""{"name":"x","stage":"rcpt","closeAfterOctets":5}""", "closeAfterOctets: only at the data and bdat stages (this rule's is rcpt)")]
    [InlineData("""{"name":"x","stage":"connect","helo":"*","close":true}""", "helo: not at the connect stage: only once the HELO name is known")]
    [InlineData("""{"name":"x","stage":"helo","mailFrom":"*","close":true}""", "mailFrom: not at the helo stage: only once MAIL FROM is known")]
    [InlineData("""{"name":"x","stage":"mail","header":"X-A: b","close":true}""", "header: only at the end-of-data stage (this rule's is mail)")]
    [InlineData("""{"name":"x","stage":"rcpt","tarpitOctetsPerSecond":0}""", "tarpitOctetsPerSecond: must be between 1 and 1000000 (got 0)")]
    [InlineData("""{"name":"x","stage":"rcpt","everyNth":0,"close":true}""", "everyNth: must be between 1 and 1000000 (got 0)")]
    [InlineData("""{"name":"x","stage":"rcpt","maxHits":0,"close":true}""", "maxHits: must be at least 1 (got 0)")]
    [InlineData("""{"name":"x","stage":"rcpt"}""", "no action: give reply, delay, close, closeAfterOctets or tarpitOctetsPerSecond")]
    [InlineData("""{"name":"x","stage":"rcpt","stgae":"mail","close":true}""", "body: unknown field 'stgae'")]
    [InlineData("""{"name":"x","stage":"rcpt","reply":{"code":451,"txt":"a"}}""", "reply: unknown field 'txt'")]
    [InlineData("""{"name":"x","stage":"rcpt","delay":"5s"}""", "delay: expected a time span such as \"00:00:05\"")]
    [InlineData("""{"name":"x","stage":"rcpt","reply":{"code":"451"}}""", "reply.code: expected a number")]
    [InlineData("""{"name":"x","stage":"rcpt","close":"yes"}""", "close: expected true or false")]
    [InlineData("""[1,2]""", "body: not JSON of a fault rule")]
    public async Task A_bad_rule_posted_to_the_API_gets_400_naming_the_field(string json, string expected)
    {
        await using var relay = await TestRelay.StartAsync();
        using var response = await FaultLab.PostAsync(relay, json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.StartsWith(expected, error);
        Assert.Equal(0, (await FaultLab.RulesAsync(relay)).GetArrayLength());
    }

    [Fact]
    public async Task The_API_answers_409_for_a_name_in_use_404_for_an_unknown_one_and_asks_for_the_admin_token()
    {
        await using var relay = await TestRelay.StartAsync("--Faults:Rules:0:Name=cfg", "--Faults:Rules:0:Stage=helo", "--Faults:Rules:0:Delay=00:00:01");
        using (var taken = await FaultLab.PostAsync(relay, """{"name":"CFG","stage":"mail","close":true}"""))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            Assert.Contains("name: a fault rule cfg exists", await taken.Content.ReadAsStringAsync());
        }
        using (var unknown = await relay.Http.GetAsync("/api/v1/faults/nope")) Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var one = await relay.Http.GetAsync("/api/v1/faults/cfg"))
        {
            var rule = JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("""{"name":"cfg","stage":"helo","delay":"00:00:01"}""", rule.GetProperty("rule").GetRawText());
        }
        using var anonymous = await relay.Http.PostAsync("/api/v1/faults", new StringContent("""{"name":"x","stage":"mail","close":true}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var anonymousDelete = await relay.Http.DeleteAsync("/api/v1/faults/cfg");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousDelete.StatusCode);
    }

    [Theory]
    [InlineData("*@contoso.test", "alice@CONTOSO.test", true)]
    [InlineData("*@contoso.test", "alice@sub.contoso.test.evil", false)]
    [InlineData("a?ice@*", "alice@x", true)]
    [InlineData("a?ice@*", "aice@x", false)]
    [InlineData("*", "", true)]
    [InlineData("**b*", "aXbY", true)]
    [InlineData("bob@example.com", "bob@example.com.", false)]
    [InlineData("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void Glob_patterns_match_the_whole_text_ignoring_case(string pattern, string text, bool expected) =>
        Assert.Equal(expected, new Glob(pattern).IsMatch(text));
}
