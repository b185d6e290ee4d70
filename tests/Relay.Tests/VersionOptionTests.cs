using System.Reflection;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;
using RelayCommandLine = SmarthostLab.Relay.Hosting.CommandLine;

namespace SmarthostLab.Relay.Tests;

public sealed class VersionOptionTests
{
    [Fact]
    public async Task Version_prints_the_informational_version_and_exits_0_without_starting()
    {
        using var folder = new TempFolder();

        var (exitCode, stderr, stdout) = await RelayProcess.RunToExitAsync(folder.Path, "--version");

        var expected = typeof(RelayHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal((0, "", expected), (exitCode, stderr, stdout.Trim()));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path)); // no ./data: nothing was started
    }

    [Fact]
    public void Help_lists_the_version_option()
    {
        Assert.Contains("--version            print the version and exit", RelayCommandLine.Usage);
        Assert.True(RelayCommandLine.Parse(["--version"]).Version);
        Assert.False(RelayCommandLine.Parse(["--help"]).Version);
    }
}
