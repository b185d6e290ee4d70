namespace SmarthostLab.Fuzz;

/// <summary>Where the repository's fuzz folders are, wherever the build output lives.</summary>
public static class FuzzPaths
{
    /// <summary>The folder holding SmarthostLab.slnx, found above the current directory or the binaries.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither is inside the repository.</exception>
    public static string Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SmarthostLab.slnx"))) return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root (SmarthostLab.slnx) not found");
    }

    /// <summary>The seed inputs of <paramref name="target"/>: fuzz/corpus/&lt;target&gt;.</summary>
    public static string Corpus(string target) => Path.Combine(Root(), "fuzz", "corpus", target);

    /// <summary>Inputs that once made <paramref name="target"/> fail, kept after the fix: fuzz/regressions/&lt;target&gt;.</summary>
    public static string Regressions(string target) => Path.Combine(Root(), "fuzz", "regressions", target);
}
