using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>Starts that cannot succeed: one line naming the key or folder, exit code 1, nothing left behind.</summary>
public sealed class StartFailureTests
{
    private static Task<RunningRelay> StartAsync(string dataFolder, params string[] extra) => RelayHost.StartAsync(
        ["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", dataFolder, "--Logging:LogLevel:Default=Warning", .. extra]);

    [Fact]
    public async Task A_port_in_use_gives_one_line_naming_the_key_exit_code_1_and_no_data_folder()
    {
        using var folder = new TempFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var data = Path.Combine(folder.Path, "data");

        var (exitCode, stderr, stdout) = await RelayProcess.RunToExitAsync(folder.Path, "--data", data, "--smtp", $"127.0.0.1:{port}", "--http", "127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Equal($"smarthostlab-relay: cannot listen on 127.0.0.1:{port} (Smtp:Listen): address already in use", stderr.Trim());
        Assert.DoesNotContain("   at ", stdout);
        Assert.DoesNotContain("Failed to bind", stdout);
        Assert.False(Directory.Exists(data));
    }

    [Theory]
    [InlineData("--http", "Api:Listen")]
    [InlineData("--Smtp:ImplicitTlsListen", "Smtp:ImplicitTlsListen")]
    public async Task Each_listener_in_use_is_named_by_its_key(string flag, string key)
    {
        using var folder = new TempFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var endPoint = (IPEndPoint)taken.LocalEndpoint;

        var exception = await Assert.ThrowsAsync<RelayStartException>(() => StartAsync(folder.Path, flag, endPoint.ToString()));

        Assert.Equal($"cannot listen on {endPoint} ({key}): address already in use", exception.Message);
    }

    [Fact]
    public async Task A_second_relay_on_a_data_folder_is_refused_until_the_first_stops()
    {
        using var folder = new TempFolder();
        var first = await StartAsync(folder.Path);
        try
        {
            var exception = await Assert.ThrowsAsync<RelayStartException>(() => StartAsync(folder.Path));
            Assert.Equal($"data folder {folder.Path} (--data, Store:DataFolder): in use by another relay ({Path.Combine(folder.Path, "relay.lock")} is locked)", exception.Message);
            Assert.True(File.Exists(Path.Combine(folder.Path, "relay.db")), "the refused start leaves the first relay's folder alone");
        }
        finally
        {
            await first.DisposeAsync();
        }
        await using var again = await StartAsync(folder.Path);
    }

    [Fact]
    public async Task A_second_relay_process_on_a_data_folder_exits_with_code_1()
    {
        await using var first = await RelayProcess.StartAsync();
        var (exitCode, stderr, _) = await RelayProcess.RunToExitAsync(first.DataFolder, "--data", first.DataFolder, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0");
        Assert.Equal(1, exitCode);
        Assert.Equal($"smarthostlab-relay: data folder {first.DataFolder} (--data, Store:DataFolder): in use by another relay ({Path.Combine(first.DataFolder, "relay.lock")} is locked)", stderr.Trim());
        Assert.False(first.Process.HasExited);
    }

    [Fact]
    public async Task A_file_in_place_of_the_data_folder_is_named()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "data");
        await File.WriteAllTextAsync(file, "not a folder");

        var (exitCode, stderr, _) = await RelayProcess.RunToExitAsync(folder.Path, "--data", file, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Equal($"smarthostlab-relay: data folder {file} (--data, Store:DataFolder): a file is in its place", stderr.Trim());
    }

    [Fact]
    public async Task A_data_folder_under_a_file_cannot_be_made()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "file");
        await File.WriteAllTextAsync(file, "");
        var exception = await Assert.ThrowsAsync<RelayStartException>(() => StartAsync(Path.Combine(file, "data")));
        Assert.StartsWith($"data folder {Path.Combine(file, "data")} (--data, Store:DataFolder): cannot be made (", exception.Message);
    }

    [Fact]
    public async Task A_store_file_that_is_not_a_database_names_the_data_folder_and_the_folder_stays()
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "relay.db"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);

        var exception = await Assert.ThrowsAsync<RelayStartException>(() => StartAsync(folder.Path));

        Assert.Equal($"data folder {folder.Path} (--data, Store:DataFolder): cannot open relay.db (SQLite Error 26: 'file is not a database')", exception.Message);
        Assert.True(File.Exists(Path.Combine(folder.Path, "relay.db")));
    }

    [Fact]
    public async Task A_store_file_that_is_a_folder_names_the_data_folder()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "relay.db"));
        var exception = await Assert.ThrowsAsync<RelayStartException>(() => StartAsync(folder.Path));
        Assert.StartsWith($"data folder {folder.Path} (--data, Store:DataFolder): cannot open relay.db (SQLite Error 14", exception.Message);
    }

    [Fact]
    public async Task A_failed_start_removes_the_data_folder_it_made()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "data");

        await Assert.ThrowsAsync<InvalidOperationException>(() => RelayHost.StartAsync(
            ["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", data, "--Logging:LogLevel:Default=None"],
            builder => builder.Services.AddHostedService<FailingService>()));

        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task A_failed_start_keeps_a_data_folder_that_was_there()
    {
        using var folder = new TempFolder();
        await Assert.ThrowsAsync<InvalidOperationException>(() => RelayHost.StartAsync(
            ["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", folder.Path, "--Logging:LogLevel:Default=None"],
            builder => builder.Services.AddHostedService<FailingService>()));

        Assert.True(File.Exists(Path.Combine(folder.Path, "relay.db")));
        await using var next = await StartAsync(folder.Path);
    }

    [Fact]
    public async Task A_bad_certificate_in_a_new_data_folder_leaves_no_folder()
    {
        using var folder = new TempFolder();
        var certificate = Path.Combine(folder.Path, "bad.pem");
        await File.WriteAllTextAsync(certificate, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        var data = Path.Combine(folder.Path, "data");

        var (exitCode, stderr, _) = await RelayProcess.RunToExitAsync(folder.Path, "--data", data, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--Smtp:CertificatePath=" + certificate);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("smarthostlab-relay: configuration error: Smtp:CertificatePath: cannot load", stderr.Trim());
        Assert.False(Directory.Exists(data));
    }

    private sealed class FailingService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("this service never starts");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
