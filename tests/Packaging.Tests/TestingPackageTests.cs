using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SmarthostLab.Packaging.Tests;

/// <summary>SmarthostLab.Testing as a user's test project gets it: samples/Testing.Sample restored from the package folder and run.</summary>
[Collection(PackagingCollection.Name)]
public sealed partial class TestingPackageTests(PackagingRun run, ITestOutputHelper output)
{
    private static readonly TimeSpan SampleLimit = TimeSpan.FromMinutes(8);

    [SkippableFact]
    public async Task The_sample_test_project_passes_against_the_packed_library()
    {
        var packed = await run.PackAsync();
        var sample = CopySample();

        var test = await Command.DotnetAsync(["test", sample, "-p:SmarthostLabVersion=" + packed.Version, "--disable-build-servers"], sample, SampleLimit);

        output.WriteLine($"dotnet test samples/Testing.Sample took {test.Elapsed.TotalSeconds:0} s");
        Assert.True(test.ExitCode == 0, test.ToString());
        var summary = Summary().Match(test.Output);
        Assert.True(summary.Success, test.ToString());
        Assert.Equal(("0", true), (summary.Groups["failed"].Value, int.Parse(summary.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 3));
        // The sample ran the library it restored from the package folder, not some other copy.
        var assets = await File.ReadAllTextAsync(Path.Combine(sample, "obj", "project.assets.json"));
        Assert.Contains($"\"SmarthostLab.Testing/{packed.Version}\"", assets);
    }

    [SkippableFact]
    public async Task A_project_using_the_testing_package_gets_every_package_the_relay_runs_with()
    {
        var packed = await run.PackAsync();
        var sample = CopySample();
        var build = await Command.DotnetAsync(["build", sample, "-p:SmarthostLabVersion=" + packed.Version, "--disable-build-servers"], sample, SampleLimit);
        Assert.True(build.ExitCode == 0, build.ToString());

        // The relay tool's own dependency list against the one a consumer of SmarthostLab.Testing ends up with: a package
        // the relay gained (src/Relay, src/Smtp or src/Verification) must be added to src/Testing's PackageReferences.
        var relayPackage = Directory.GetFiles(packed.Feed, "SmarthostLab.Relay.*.nupkg").Single();
        using var archive = ZipFile.OpenRead(relayPackage);
        using var relayDeps = JsonDocument.Parse(archive.Entries.Single(e => e.FullName.EndsWith("/smarthostlab-relay.deps.json", StringComparison.Ordinal)).Open());
        using var sampleDeps = JsonDocument.Parse(await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(sample, "bin"), "Testing.Sample.deps.json", SearchOption.AllDirectories).Single()));
        var needed = PackageNames(relayDeps);
        var present = PackageNames(sampleDeps);

        var missing = needed.Except(present, StringComparer.OrdinalIgnoreCase).Order().ToList();
        Assert.NotEmpty(needed);
        Assert.True(missing.Count == 0,
            $"a project using SmarthostLab.Testing lacks packages the relay runs with: {string.Join(", ", missing)} " +
            "(add the relay's new PackageReference to src/Testing/SmarthostLab.Testing.csproj)");
    }

    /// <summary>The names of the NuGet packages a deps.json lists.</summary>
    private static HashSet<string> PackageNames(JsonDocument deps) =>
        deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => l.Name.Split('/')[0])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// samples/Testing.Sample without build output, laid out as in the repository so that the sample's own nuget.config
    /// (../../artifacts/packages) finds the packed packages; its folder.
    /// </summary>
    private string CopySample()
    {
        var from = Path.Combine(run.Repository, "samples", "Testing.Sample");
        var to = Path.Combine(run.Root, "samples", "Testing.Sample");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        return to;
    }

    [GeneratedRegex(@"Failed:\s+(?<failed>\d+), Passed:\s+(?<passed>\d+)")]
    private static partial Regex Summary();
}
