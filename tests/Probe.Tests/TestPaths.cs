namespace SmarthostLab.Probe.Tests;

/// <summary>Paths of test inputs copied next to the test assembly.</summary>
internal static class TestPaths
{
    /// <summary>A file under data/.</summary>
    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    /// <summary>A file under samples/connectors/.</summary>
    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", "connectors", name);

    /// <summary>A fresh temporary directory.</summary>
    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "probe-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
