using System.Xml.Linq;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Testing.Tests;

/// <summary>
/// SmarthostLab.Testing carries the relay's assemblies in its package but references the relay's project privately, so
/// the packages those assemblies need must be its own PackageReferences: a package added to the relay (or to a project
/// it references) and not here would be missing in every project that uses the package.
/// </summary>
public sealed class PackageDependencyTests
{
    [Fact]
    public void The_testing_package_references_every_package_of_the_projects_it_carries()
    {
        var testing = Path.Combine(RepositoryFiles.Root(), "src", "Testing", "SmarthostLab.Testing.csproj");
        var carried = ProjectsReferencedBy(testing);

        var needed = carried.SelectMany(PackageReferences).Where(p => !InSharedFramework(p)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = needed.Except(PackageReferences(testing), StringComparer.OrdinalIgnoreCase).Order().ToList();

        Assert.Contains(carried, p => p.EndsWith("SmarthostLab.Relay.csproj", StringComparison.Ordinal));
        Assert.True(missing.Count == 0, "src/Testing/SmarthostLab.Testing.csproj lacks " +
            string.Join(" ", missing.Select(m => $"<PackageReference Include=\"{m}\" />")) + $", which {string.Join(", ", carried.Select(Path.GetFileName))} use");
    }

    /// <summary>Every project <paramref name="project"/> references, directly or through another.</summary>
    private static List<string> ProjectsReferencedBy(string project)
    {
        var found = new List<string>();
        var pending = new Queue<string>([project]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var include in Items(current, "ProjectReference"))
            {
                var referenced = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include.Attribute("Include")!.Value));
                if (found.Contains(referenced)) continue;
                found.Add(referenced);
                pending.Enqueue(referenced);
            }
        }
        return found;
    }

    /// <summary>The packages a project references for its own use (analyzers and build-only packages aside).</summary>
    private static IEnumerable<string> PackageReferences(string project) =>
        Items(project, "PackageReference")
            .Where(p => (string?)p.Attribute("PrivateAssets") is not "all" and not "All")
            .Select(p => p.Attribute("Include")!.Value);

    private static IEnumerable<XElement> Items(string project, string name) =>
        XDocument.Load(project).Descendants(name).Where(e => e.Attribute("Include") is not null);

    /// <summary>
    /// A package whose assembly the shared frameworks hold (ASP.NET Core's or .NET's, e.g. Microsoft.Extensions.Logging.Abstractions):
    /// NuGet prunes such a reference in a project with that framework, and refuses it (NU1510).
    /// </summary>
    private static bool InSharedFramework(string package) =>
        new[] { typeof(object), typeof(Microsoft.AspNetCore.Builder.WebApplication) }
            .Any(t => File.Exists(Path.Combine(Path.GetDirectoryName(t.Assembly.Location)!, package + ".dll")));
}
