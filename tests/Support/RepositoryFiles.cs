using System.Runtime.CompilerServices;

namespace SmarthostLab.Tests.Support;

/// <summary>Finds files of the repository (samples/…) wherever the build output lives.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootFolder = new(() => FindRoot());

    /// <summary>
    /// The folder holding SmarthostLab.slnx: above this source file (builds may put their output
    /// outside the tree), else above the test binaries, else above the current directory.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">None of them is inside the repository.</exception>
    public static string Root() => RootFolder.Value;

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SmarthostLab.slnx"))) return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root (SmarthostLab.slnx) not found");
    }
}
