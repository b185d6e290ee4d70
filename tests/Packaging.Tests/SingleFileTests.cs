using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SmarthostLab.Tests.Support;
using Xunit.Abstractions;

namespace SmarthostLab.Packaging.Tests;

/// <summary>The relay as one self-contained file for linux-x64 (README: the single-file publish), run on its own.</summary>
[Collection(PackagingCollection.Name)]
public sealed class SingleFileTests(PackagingRun run, ITestOutputHelper output)
{
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(1);

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // skipped elsewhere, first thing
    public async Task The_single_file_relay_runs_alone_with_its_store_web_page_and_verification_inside()
    {
        PackagingRun.SkipIfAsked();
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "the linux-x64 single file runs on linux-x64 only");
        var published = Path.Combine(run.Root, "single-file");

        var publish = await Command.DotnetAsync(
            ["publish", Path.Combine(run.Repository, "src", "Relay"), "-c", "Release", "-r", "linux-x64", "--self-contained",
             "-p:PublishSingleFile=true", "-o", published, "--artifacts-path", run.ArtifactsPath,
             "-p:VersionSuffix=" + run.VersionSuffix, "--disable-build-servers"],
            run.Repository, PublishLimit);

        var cannotRun = PackagingRun.RestoreCouldNotFetch(publish);
        Skip.If(cannotRun is not null, cannotRun);
        Assert.True(publish.ExitCode == 0, publish.ToString());
        var executable = new FileInfo(Path.Combine(published, "smarthostlab-relay"));
        Assert.True(executable.Exists, $"no smarthostlab-relay in {published}: {string.Join(", ", Directory.GetFiles(published).Select(Path.GetFileName))}");
        output.WriteLine($"publish took {publish.Elapsed.TotalSeconds:0} s; smarthostlab-relay is {executable.Length / 1024.0 / 1024.0:0.0} MiB; " +
            $"beside it: {string.Join(", ", Directory.GetFiles(published).Select(Path.GetFileName).Where(n => n != executable.Name))}");

        // The file alone in a folder of its own: nothing beside it to fall back on.
        var alone = Directory.CreateDirectory(Path.Combine(run.Root, "single-file-alone")).FullName;
        var relayFile = Path.Combine(alone, executable.Name);
        File.Copy(executable.FullName, relayFile);
        File.SetUnixFileMode(relayFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var extract = Path.Combine(run.Root, "bundle-extract");
        var environment = new Dictionary<string, string> { ["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = extract };

        var version = await Command.RunAsync(relayFile, ["--version"], alone, RunLimit, environment);
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches($"^{Regex.Escape(run.Version)}(\\+[0-9a-f]+)?$", version.Output.Trim());

        await using var relay = await RelayExecutable.StartAsync(relayFile, alone, environment,
            "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", "data", "--Verification:Dns:Offline=true");
        using var http = new HttpClient { BaseAddress = relay.HttpBaseAddress, Timeout = RunLimit };
        using var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative));
        using var page = await http.GetAsync(new Uri("", UriKind.Relative));
        // A message through SMTP into the SQLite store (native library, embedded schema) with a verdict (embedded PSL):
        // the built-in account "sample" registers 127.0.0.1.
        await using (var client = await RawSmtpClient.ConnectAsync(IPEndPoint.Parse(relay.SmtpEndpoint), IPAddress.Loopback))
        {
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO single-file.test"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
            Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.CommandAsync("From: alice@contoso.test\r\nSubject: single file\r\n\r\nHello.\r\n."));
        }
        var messages = await http.GetStringAsync(new Uri("api/v1/messages?subject=single%20file", UriKind.Relative));
        var exit = await relay.StopAsync();

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"total\":1", messages);
        Assert.Contains("\"dmarc\":{\"result\":", messages);
        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(alone, "data", "relay.db")));
        // SQLite's native library came out of the file itself (IncludeNativeLibrariesForSelfExtract).
        Assert.Single(Directory.GetFiles(extract, "libe_sqlite3.so", SearchOption.AllDirectories));
    }
}
