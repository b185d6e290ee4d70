using System.Runtime.CompilerServices;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>Finds files of the repository (samples/…) wherever the build output lives.</summary>
internal static class RepositoryFiles
{
    public static string Root([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "SmarthostLab.slnx")))
                {
                    return dir;
                }
            }
        }

        throw new DirectoryNotFoundException("repository root (SmarthostLab.slnx) not found");
    }
}
