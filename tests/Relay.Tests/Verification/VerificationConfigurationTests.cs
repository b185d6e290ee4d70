using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Verification;

public sealed class VerificationConfigurationTests
{
    [Fact]
    public async Task A_key_file_that_holds_no_private_key_is_a_one_line_error_naming_the_setting()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "bad.pem");
        await File.WriteAllTextAsync(path, "not a key\n");
        var error = await Assert.ThrowsAsync<RelayConfigurationException>(() => TestRelay.StartAsync(
            "--Accounts:0:Dkim:0:Domain=contoso.test", "--Accounts:0:Dkim:0:Selector=s1", "--Accounts:0:Dkim:0:PrivateKeyFile=" + path));
        Assert.StartsWith($"Accounts:0:Dkim:0:PrivateKeyFile: '{path}' is not a usable RSA or Ed25519 private key", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_missing_key_file_names_the_setting()
    {
        var error = await Assert.ThrowsAsync<RelayConfigurationException>(() => TestRelay.StartAsync(
            "--Accounts:0:Dkim:0:Domain=contoso.test", "--Accounts:0:Dkim:0:Selector=s1", "--Accounts:0:Dkim:0:PrivateKeyFile=/nonexistent/s1.pem"));
        Assert.Equal("Accounts:0:Dkim:0:PrivateKeyFile: file '/nonexistent/s1.pem' does not exist", error.Message);
    }

    [Fact]
    public async Task An_egress_address_that_is_not_an_IP_names_the_setting()
    {
        var error = await Assert.ThrowsAsync<RelayConfigurationException>(() => TestRelay.StartAsync("--Verification:EgressAddresses:0=relay.example"));
        Assert.Equal("Verification:EgressAddresses:0: 'relay.example' is not an IP address", error.Message);
    }

    [Fact]
    public async Task Verification_Enabled_false_stores_without_a_verdict_or_header()
    {
        await using var relay = await TestRelay.StartAsync("--Verification:Enabled=false");
        var reply = await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("unverified"));
        var message = Assert.Single((await relay.MessagesAsync()).Messages);
        Assert.Null(message.Verdict);
        var raw = await relay.Http.GetStringAsync($"/api/v1/messages/{Mail.QueueIdOf(reply)}/raw");
        Assert.StartsWith("Received:", raw);
    }

    [Fact]
    public async Task AuthServId_defaults_to_the_smtp_host_name()
    {
        await using var relay = await TestRelay.StartAsync("--Verification:Dns:Offline=true");
        var info = await relay.Http.GetStringAsync("/api/v1/info");
        Assert.Contains("\"authServId\":\"relay.test\"", info);
        Assert.Contains("\"egressAddresses\":[]", info);
        var reply = await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("offline"));
        var raw = await relay.Http.GetStringAsync($"/api/v1/messages/{Mail.QueueIdOf(reply)}/raw");
        Assert.StartsWith("Authentication-Results: relay.test;", raw);
    }
}
