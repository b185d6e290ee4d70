using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SmarthostLab.Packaging.Tests;

/// <summary>The three dotnet tools as a CI job gets them: packed into a folder, installed from it into a tool path, run from elsewhere.</summary>
[Collection(PackagingCollection.Name)]
public sealed class ToolPackageTests(PackagingRun run, ITestOutputHelper output)
{
    private static readonly TimeSpan InstallLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task Each_tool_installs_from_the_package_folder_and_prints_its_version()
    {
        var packed = await run.PackAsync();
        var tools = await InstallToolsAsync(packed, "tools-version");

        foreach (var (_, _, command) in PackagingRun.Packages.Where(p => p.Command is not null))
        {
            var version = await Command.RunAsync(Path.Combine(tools, command!), ["--version"], run.Root, RunLimit);

            Assert.True(version.ExitCode == 0, version.ToString());
            // The informational version: 0.1.0-ci.… followed by +commit when built from a git checkout.
            Assert.Matches($"^{Regex.Escape(packed.Version)}(\\+[0-9a-f]+)?$", version.Output.Trim());
        }
    }

    [SkippableFact]
    public async Task The_installed_probe_sends_through_the_installed_relay_and_every_check_passes()
    {
        var packed = await run.PackAsync();
        var tools = await InstallToolsAsync(packed, "tools-send");
        // The README's lab, outside the repository: its config, zone and DKIM key copied into a working folder of its own.
        var work = Directory.CreateDirectory(Path.Combine(run.Root, "relay-work")).FullName;
        Directory.CreateDirectory(Path.Combine(work, "samples", "keys"));
        foreach (var file in new[] { "relay-lab.json", "lab.zone", "keys/contoso.test.s1.pem" })
            File.Copy(Path.Combine(run.Repository, "samples", file), Path.Combine(work, "samples", file));

        await using var relay = await RelayExecutable.StartAsync(Path.Combine(tools, "smarthostlab-relay"), work, null,
            "--config", "samples/relay-lab.json", "--zone", "samples/lab.zone", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0");
        var send = await Command.RunAsync(Path.Combine(tools, "smarthostlab-probe"),
            ["send", "--via", relay.SmtpEndpoint, "--bind", "127.0.0.2", "--from", "alice@contoso.test", "--to", "bob@example.com",
             "--relay", relay.HttpBaseAddress.ToString(), "--timeout", "30"],
            work, RunLimit);
        var exit = await relay.StopAsync();

        output.WriteLine(send.Output);
        Assert.True(send.ExitCode == 0, $"{send}\nrelay log:\n{relay.Log}");
        Assert.Contains("[pass] dkim: DKIM pass (d=contoso.test s=s1", send.Output);
        Assert.Contains("[pass] dmarc: DMARC pass for contoso.test", send.Output);
        Assert.Contains("result: PASS", send.Output);
        Assert.Equal(0, exit);
        // The relay's data folder is where relay-lab.json says, under its working folder.
        Assert.True(File.Exists(Path.Combine(work, "data", "lab", "relay.db")));
    }

    /// <summary>Installs the three tools into a new tool path from the package folder only (no other source asked).</summary>
    private async Task<string> InstallToolsAsync(Packed packed, string name)
    {
        var tools = Path.Combine(run.Root, name);
        var config = Path.Combine(run.Root, "feed-only.nuget.config");
        if (!File.Exists(config))
        {
            await File.WriteAllTextAsync(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="packed" value="{packed.Feed}" />
                  </packageSources>
                </configuration>
                """);
        }
        foreach (var (id, _, command) in PackagingRun.Packages.Where(p => p.Command is not null))
        {
            var install = await Command.DotnetAsync(
                ["tool", "install", "--tool-path", tools, "--configfile", config, "--add-source", packed.Feed, id, "--version", packed.Version],
                run.Root, InstallLimit);
            Assert.True(install.ExitCode == 0, install.ToString());
            Assert.True(File.Exists(Path.Combine(tools, command!)), $"no {command} in {tools}:\n{install.Output}");
            output.WriteLine($"{id}: installed in {install.Elapsed.TotalSeconds:0.0} s");
        }
        output.WriteLine($"packing the four packages took {packed.Elapsed.TotalSeconds:0} s");
        return tools;
    }
}
