using System.Net.Http.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Hosting;
using RelayCommandLine = SmarthostLab.Relay.Hosting.CommandLine;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace SmarthostLab.Relay.Tests;

public sealed class ConfigurationTests
{
    /// <summary>Applies and validates command-line arguments as the relay does at start: the first problem, or null.</summary>
    internal static string? Validate(params string[] args)
    {
        var configuration = new ConfigurationManager();
        RelayConfigurationBuilder.Apply(configuration, RelayCommandLine.Parse(args));
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
    [InlineData("--Store:Provider=Mongo", "Store:Provider: 'Mongo' is not a store provider (Sqlite or Postgres)")]
    [InlineData("--Store:Provider=Postgres", "Store:ConnectionString: required with Store:Provider=Postgres")]
    [InlineData("--Store:Provider=sqlite", "")]
    public void Bad_values_give_one_line_naming_the_key(string arg, string expected)
    {
        var problem = Validate(arg);
        if (expected.Length == 0) Assert.Null(problem);
        else Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void A_PostgreSQL_store_needs_a_connection_string_Npgsql_understands()
    {
        Assert.StartsWith("Store:ConnectionString: not a PostgreSQL connection string", Validate("--Store:Provider=postgres", "--Store:ConnectionString=Host=127.0.0.1;Colour=blue"));
        Assert.Null(Validate("--Store:Provider=Postgres", "--Store:ConnectionString=Host=127.0.0.1;Database=relay", "--Store:NodeId=relay-1"));
    }

    [Fact]
    public void A_bad_outbound_server_names_its_index()
    {
        Assert.Equal("Accounts:0:OutboundServers:1: '300.1.1.1' is not an IP address or CIDR range",
            Validate("--Accounts:0:Name=a", "--Accounts:0:OutboundServers:0=192.0.2.1", "--Accounts:0:OutboundServers:1=300.1.1.1"));
    }

    [Theory]
    [InlineData("--Smtp:MaxRecipent=5", "Smtp:MaxRecipent: unknown key; did you mean Smtp:MaxRecipients?")]
    [InlineData("--smtp:maxrecipent=5", "smtp:maxrecipent: unknown key; did you mean Smtp:MaxRecipients?")]
    [InlineData("--Api:AdminTokn=secret-token", "Api:AdminTokn: unknown key; did you mean Api:AdminToken?")]
    [InlineData("--Store:DataFolders=x", "Store:DataFolders: unknown key; did you mean Store:DataFolder?")]
    [InlineData("--Host:ShutdownTimout=00:00:05", "Host:ShutdownTimout: unknown key; did you mean Host:ShutdownTimeout?")]
    [InlineData("--Admission:RefuseAtt=Rcpt", "Admission:RefuseAtt: unknown key; did you mean Admission:RefuseAt?")]
    [InlineData("--Verification:Enable=false", "Verification:Enable: unknown key; did you mean Verification:Enabled?")]
    [InlineData("--Verification:Dns:Ofline=true", "Verification:Dns:Ofline: unknown key; did you mean Verification:Dns:Offline?")]
    [InlineData("--Delivery:NextHopp=localhost:25", "Delivery:NextHopp: unknown key; did you mean Delivery:NextHop?")]
    [InlineData("--Accounts:0:Domain:0=contoso.test", "Accounts:0:Domain: unknown key; did you mean Accounts:0:Domains?")]
    [InlineData("--Accounts:0:Dkim:0:Selectr=s1", "Accounts:0:Dkim:0:Selectr: unknown key; did you mean Accounts:0:Dkim:0:Selector?")]
    [InlineData("--Accounts:1:Delivery:Mod=Mx", "Accounts:1:Delivery:Mod: unknown key; did you mean Accounts:1:Delivery:Mode?")]
    [InlineData("--Accounts:Name=a", "Accounts:Name: unknown key; Accounts is a list, did you mean Accounts:0:Name?")]
    [InlineData("--Verification:Zones=lab.zone", "Verification:Zones: a list: give its items as Verification:Zones:0, Verification:Zones:1, …")]
    [InlineData("--Smtp:Listen:Port=25", "Smtp:Listen:Port: unknown key; Smtp:Listen takes a single value")]
    [InlineData("--Api:Wibble=1", "Api:Wibble: unknown key; known keys of Api: Listen, AdminToken, ReadToken, MaxWaitTimeout")]
    public void Unknown_keys_of_the_relays_sections_are_refused_naming_the_nearest_known_key(string arg, string expected)
    {
        Assert.Equal(expected, Validate("--Accounts:0:Name=a", arg));
    }

    [Theory]
    [InlineData("--smtp=127.0.0.1:8025", "Smtp:Listen: '127.0.0.1:8025' takes the port of Api:Listen ('127.0.0.1:8025')")]
    [InlineData("--smtp=*:8025", "Smtp:Listen: '*:8025' takes the port of Api:Listen ('127.0.0.1:8025')")]
    [InlineData("--Smtp:ImplicitTlsListen=127.0.0.1:2525", "Smtp:ImplicitTlsListen: '127.0.0.1:2525' takes the port of Smtp:Listen ('127.0.0.1:2525')")]
    [InlineData("--Smtp:ImplicitTlsListen=[::1]:2525", null)]
    [InlineData("--Smtp:ImplicitTlsListen=127.0.0.2:2525", null)]
    [InlineData("--http=127.0.0.1:0", null)]
    public void Two_listeners_on_one_port_are_a_configuration_error(string arg, string? expected)
    {
        Assert.Equal(expected, Validate(arg));
    }

    [Theory]
    [InlineData("--Logging:LogLevel:SmarthostLab=Debug")]
    [InlineData("--Anything:Else=1")]
    [InlineData("--Verification:Enabled=false")]
    [InlineData("--Verification:Dns:Servers:0=192.0.2.53")]
    [InlineData("--Delivery:MaxConnectionsPerDestination=2")]
    public void Known_keys_and_other_sections_are_accepted(string arg)
    {
        Assert.Null(Validate(arg));
    }

    [Fact]
    public void The_sample_configurations_hold_only_known_keys()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryFiles.Root(), "samples"), "*.json"))
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(file).Build();
            Assert.Null(ConfigurationKeys.FindUnknown(configuration));
        }
    }

    [Fact]
    public void Unknown_flags_are_refused()
    {
        var exception = Assert.Throws<RelayConfigurationException>(() => RelayCommandLine.Parse(["--smpt", "x"]));
        Assert.Contains("--smpt", exception.Message);
    }

    [Fact]
    public void Zone_flags_bind_to_Verification_Zones()
    {
        var configuration = new ConfigurationManager();
        RelayConfigurationBuilder.Apply(configuration, RelayCommandLine.Parse(["--zone", "a.zone", "--zone", "b.zone"]));
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
        var (exitCode, stderr, stdout) = await RelayProcess.RunToExitAsync(folder.Path, "--config", config, "--data", folder.Path, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0");
        Assert.Equal(2, exitCode);
        Assert.Equal("smarthostlab-relay: configuration error: Accounts:0:OutboundServers:1: '300.1.1.1' is not an IP address or CIDR range", stderr.Trim());
        Assert.DoesNotContain("   at ", stdout);
    }

    [Fact]
    public async Task The_relay_process_refuses_a_misspelled_key_with_exit_code_2()
    {
        using var folder = new TempFolder();
        var (exitCode, stderr, _) = await RelayProcess.RunToExitAsync(folder.Path, "--data", Path.Combine(folder.Path, "data"), "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--Smtp:MaxRecipent=5");
        Assert.Equal(2, exitCode);
        Assert.Equal("smarthostlab-relay: configuration error: Smtp:MaxRecipent: unknown key; did you mean Smtp:MaxRecipients?", stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")));
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
