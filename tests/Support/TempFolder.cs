namespace SmarthostLab.Tests.Support;

/// <summary>A new, empty folder under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public TempFolder() => Path = Directory.CreateTempSubdirectory("smarthostlab-tests-").FullName;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Deletes the folder recursively; one already gone is fine. A delete that fails twice, 100 ms apart, throws:
    /// something still writing there after the test disposed it (a relay, a store) is a bug worth seeing.
    /// </summary>
    public void Dispose()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt == 1)
            {
                Thread.Sleep(100);
            }
        }
    }
}
