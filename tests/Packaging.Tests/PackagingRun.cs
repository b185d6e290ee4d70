using System.IO.Compression;
using System.Xml.Linq;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Packaging.Tests;

/// <summary>
/// One packaging run shared by the tests of the "packaging" collection: a temp folder laid out like the repository
/// (<c>artifacts/packages</c> is the package folder samples/Testing.Sample's nuget.config names), a version of its own
/// (<c>0.1.0-ci.&lt;time&gt;.&lt;pid&gt;</c>, so the NuGet caches never hold a stale copy), and builds in a private artifacts
/// path (the repository's bin and obj are not touched). The four packages are packed once, on first use. Disposing
/// deletes the folder and this version's copies in the global packages folder.
/// </summary>
public sealed class PackagingRun : IAsyncLifetime
{
    /// <summary>Set to a reason to skip every packaging test (e.g. a machine without a package source).</summary>
    public const string SkipVariable = "SMARTHOSTLAB_SKIP_PACKAGING";

    /// <summary>The packable projects: package id, project folder and, for tools, the command.</summary>
    public static readonly IReadOnlyList<(string Id, string Project, string? Command)> Packages =
    [
        ("SmarthostLab.Relay", "src/Relay", "smarthostlab-relay"),
        ("SmarthostLab.Probe", "src/Probe", "smarthostlab-probe"),
        ("SmarthostLab.Bench", "src/Bench", "smarthostlab-bench"),
        ("SmarthostLab.Testing", "src/Testing", null),
    ];

    private static readonly TimeSpan PackLimit = TimeSpan.FromMinutes(8);
    private readonly TempFolder _folder = new();
    private readonly SemaphoreSlim _packing = new(1, 1);
    private Packed? _packed;
    private string? _cannotPack;

    /// <summary>The repository root.</summary>
    public string Repository { get; } = RepositoryFiles.Root();

    /// <summary>The temp folder of this run.</summary>
    public string Root => _folder.Path;

    /// <summary>The folder the packages are packed into (a local NuGet feed).</summary>
    public string Feed => Path.Combine(Root, "artifacts", "packages");

    /// <summary>The pre-release part given to every build of this run.</summary>
    public string VersionSuffix { get; } = $"ci.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    /// <summary>
    /// The version every package and program of this run must carry: the VersionPrefix of Directory.Build.props (the one
    /// place it is set) and <see cref="VersionSuffix"/>.
    /// </summary>
    public string Version => $"{XDocument.Load(Path.Combine(Repository, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value}-{VersionSuffix}";

    /// <summary>The private artifacts path of every build of this run (<c>--artifacts-path</c>).</summary>
    public string ArtifactsPath => Path.Combine(Root, "build");

    /// <summary>Skips the calling test when <see cref="SkipVariable"/> is set.</summary>
    public static void SkipIfAsked()
    {
        var reason = Environment.GetEnvironmentVariable(SkipVariable);
        Skip.If(!string.IsNullOrWhiteSpace(reason), $"{SkipVariable}: {reason}");
    }

    /// <summary>
    /// Why <paramref name="result"/> could not run here, when it failed because its restore could not reach a package
    /// source for a package the caches lack (NU1301): the environment stopped it, not the code. Null otherwise.
    /// </summary>
    public static string? RestoreCouldNotFetch(CommandResult result)
    {
        if (result.ExitCode == 0) return null;
        var line = result.Output.Split('\n').FirstOrDefault(l => l.Contains("error NU1301", StringComparison.Ordinal));
        return line is null ? null : $"no package source could be reached, so `{result.Line}` cannot run here: {line.Trim()}";
    }

    /// <summary>
    /// Packs the relay, probe and bench tools and SmarthostLab.Testing into <see cref="Feed"/> (once), as
    /// <c>dotnet pack PROJECT -c Release -o FEED -p:VersionSuffix=…</c> does.
    /// </summary>
    public async Task<Packed> PackAsync()
    {
        SkipIfAsked();
        await _packing.WaitAsync();
        try
        {
            Skip.If(_cannotPack is not null, _cannotPack);
            if (_packed is not null) return _packed;
            var steps = new List<CommandResult>();
            foreach (var (_, project, _) in Packages)
            {
                var result = await Command.DotnetAsync(
                    ["pack", Path.Combine(Repository, project), "-c", "Release", "-o", Feed, "--artifacts-path", ArtifactsPath,
                     "-p:VersionSuffix=" + VersionSuffix, "--disable-build-servers"],
                    Repository, PackLimit);
                _cannotPack = RestoreCouldNotFetch(result);
                Skip.If(_cannotPack is not null, _cannotPack);
                Assert.True(result.ExitCode == 0, result.ToString());
                steps.Add(result);
            }
            foreach (var (id, _, _) in Packages)
            {
                var package = Path.Combine(Feed, $"{id}.{Version}.nupkg");
                Assert.True(File.Exists(package), $"no {package}: {string.Join(", ", Directory.GetFiles(Feed).Select(Path.GetFileName))}");
                Assert.Equal(Version, NuspecVersion(package));
            }
            _packed = new Packed(Feed, Version, steps.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Elapsed));
            return _packed;
        }
        finally
        {
            _packing.Release();
        }
    }

    /// <summary>The <c>version</c> in a package's nuspec.</summary>
    public static string NuspecVersion(string nupkg)
    {
        using var archive = ZipFile.OpenRead(nupkg);
        var nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var document = XDocument.Load(stream);
        return document.Descendants().Single(e => e.Name.LocalName == "version").Value;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _folder.Dispose();
        // The sample's restore put this run's SmarthostLab.Testing into the global packages folder: remove that version.
        var global = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (_packed is not null)
        {
            foreach (var (id, _, _) in Packages)
            {
                var package = Path.Combine(global, id.ToLowerInvariant());
                var copy = Path.Combine(package, _packed.Version.ToLowerInvariant());
                if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
                if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any()) Directory.Delete(package);
            }
        }
        _packing.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The packed packages: their folder, their version and the time packing took.</summary>
public sealed record Packed(string Feed, string Version, TimeSpan Elapsed);

/// <summary>The packaging tests run one at a time (each builds; the machine has two cores), sharing one <see cref="PackagingRun"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackagingRun>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "packaging";
}
