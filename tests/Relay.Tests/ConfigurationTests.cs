using System.Diagnostics;
using System.Net.Http.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace SmarthostLab.Relay.Tests;

public sealed class ConfigurationTests
{
    private static string? Validate(params string[] args)
    {
        var configuration = new ConfigurationManager();
        RelayConfigurationBuilder.Apply(configuration, CommandLine.Parse(args));
        return RelayConfigurationBuilder.Validate(configuration);
    }

    [Theory]
    [InlineData("--Smtp:MaxMessageSize=10", "Smtp:MaxMessageSize: must be between 1024 and")]
    [InlineData("--Smtp:MaxMessageSize=lots", "Smtp:MaxMessageSize: 'lots' is not an integer")]
    [InlineData("--Smtp:MaxHeaderSize=100", "Smtp:MaxHeaderSize must be at least 1024 (got 100)")]
    [InlineData("--Smtp:MaxHeaderSize=1073741824", "Smtp:MaxHeaderSize must be at most 67108864 (got 1073741824)")]
    [InlineData("--Smtp:MaxMessageSize=2048", "")]
    [InlineData("--smtp=nowhere", "Smtp:Listen: 'nowhere' is not HOST:PORT")]
    [InlineData("--Accounts:0:Name=a", "")]
    [InlineData("--Admission:RefuseAt=Later", "Admission:RefuseAt: 'Later' is not one of Connect, Rcpt")]
    [InlineData("--Store:MaxAge=soon", "Store:MaxAge: 'soon' is not a time span")]
    public void Bad_values_give_one_line_naming_the_key(string arg, string expected)
    {
        var problem = Validate(arg);
        if (expected.Length == 0) Assert.Null(problem);
        else Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void A_bad_outbound_server_names_its_index()
    {
        Assert.Equal("Accounts:0:OutboundServers:1: '300.1.1.1' is not an IP address or CIDR range",
            Validate("--Accounts:0:Name=a", "--Accounts:0:OutboundServers:0=192.0.2.1", "--Accounts:0:OutboundServers:1=300.1.1.1"));
    }

    [Fact]
    public void Unknown_flags_are_refused()
    {
        var exception = Assert.Throws<RelayConfigurationException>(() => CommandLine.Parse(["--smpt", "x"]));
        Assert.Contains("--smpt", exception.Message);
    }

    [Fact]
    public void Zone_flags_bind_to_Verification_Zones()
    {
        var configuration = new ConfigurationManager();
        RelayConfigurationBuilder.Apply(configuration, CommandLine.Parse(["--zone", "a.zone", "--zone", "b.zone"]));
        Assert.Equal(["a.zone", "b.zone"], configuration.GetSection("Verification:Zones").Get<string[]>()!);
    }

    [Fact]
    public async Task Config_file_accounts_replace_the_sample_account()
    {
        using var folder = new TempFolder();
        var config = Path.Combine(folder.Path, "accounts.json");
        await File.WriteAllTextAsync(config, """{"Accounts":[{"Name":"contoso","OutboundServers":["192.0.2.10","2001:db8:10::/64"],"Domains":["contoso.test"]}]}""");
        await using (var relay = await RelayHost.StartAsync(["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", folder.Path, "--config", config, "--Logging:LogLevel:Default=Warning"]))
        {
            using var http = new HttpClient { BaseAddress = relay.HttpBaseAddress };
            var accounts = await http.GetFromJsonAsync("/api/v1/accounts", RelayJson.Context.AccountListResponse);
            var account = Assert.Single(accounts!.Accounts);
            Assert.Equal("contoso", account.Name);
            Assert.Equal(["192.0.2.10", "2001:db8:10::/64"], account.OutboundServers);
        }
        await using (var sample = await RelayHost.StartAsync(["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", folder.Path, "--Logging:LogLevel:Default=Warning"]))
        {
            using var http = new HttpClient { BaseAddress = sample.HttpBaseAddress };
            var accounts = await http.GetFromJsonAsync("/api/v1/accounts", RelayJson.Context.AccountListResponse);
            Assert.Equal(["127.0.0.1", "::1"], Assert.Single(accounts!.Accounts, a => a.Name == "sample").OutboundServers);
        }
    }

    [Fact]
    public async Task The_relay_process_stops_with_exit_code_2_and_one_line_on_a_bad_config()
    {
        using var folder = new TempFolder();
        var config = Path.Combine(folder.Path, "bad.json");
        await File.WriteAllTextAsync(config, """{"Accounts":[{"Name":"contoso","OutboundServers":["192.0.2.10","300.1.1.1"]}]}""");
        var dll = Path.Combine(AppContext.BaseDirectory, "smarthostlab-relay.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = folder.Path };
        foreach (var arg in new[] { dll, "--config", config, "--data", folder.Path, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("smarthostlab-relay: configuration error: Accounts:0:OutboundServers:1: '300.1.1.1' is not an IP address or CIDR range", (await stderr).Trim());
        Assert.DoesNotContain("   at ", await stdout);
    }

    [Fact]
    public void Validators_accept_the_defaults()
    {
        Assert.True(new StoreOptionsValidator().Validate(null, new StoreOptions()).Succeeded);
        Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions()).Succeeded);
        Assert.True(new RelaySmtpOptionsValidator().Validate(null, new SmarthostLab.Smtp.SmtpOptions()).Succeeded);
        Assert.True(new AccountsOptionsValidator().Validate(null, new AccountsOptions { Accounts = [AccountsOptions.Sample()] }).Succeeded);
    }
}
