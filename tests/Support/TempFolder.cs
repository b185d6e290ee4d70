namespace SmarthostLab.Tests.Support;

/// <summary>A new, empty folder under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public TempFolder() => Path = Directory.CreateTempSubdirectory("smarthostlab-tests-").FullName;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Deletes the folder recursively; one already gone, or still in use, is left alone.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // DirectoryNotFoundException is an IOException too; a leftover temp folder is harmless.
        }
    }
}
