using System.Text;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// The data folder (Store:DataFolder) held by one relay: made if missing, then locked for the relay's lifetime by
/// an exclusive lock on <see cref="LockFileName"/> (flock on Linux, so a relay killed with -9 leaves no stale lock),
/// so a second relay on the same folder is refused instead of writing the same store. <see cref="Abandon"/> after a
/// failed start removes the folder again when this start made it.
/// </summary>
internal sealed class DataFolder : IDisposable
{
    /// <summary>The lock file in the data folder; it holds the process id of the relay that has the lock (for people).</summary>
    public const string LockFileName = "relay.lock";

    private readonly FileStream _lock;

    private DataFolder(string path, bool created, FileStream lockFile)
    {
        Path = path;
        Created = created;
        _lock = lockFile;
    }

    /// <summary>Full path of the folder.</summary>
    public string Path { get; }

    /// <summary>True when this start made the folder.</summary>
    public bool Created { get; }

    /// <summary>Makes <paramref name="configured"/> if missing and locks it.</summary>
    /// <exception cref="RelayStartException">A file is in its place, it cannot be made or written, or another relay holds it.</exception>
    public static DataFolder Acquire(string configured)
    {
        var path = System.IO.Path.GetFullPath(configured);
        if (File.Exists(path)) throw Problem(path, "a file is in its place");
        var created = !Directory.Exists(path);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Problem(path, $"cannot be made ({Reason(exception)})", exception);
        }
        try
        {
            return new DataFolder(path, created, Lock(path));
        }
        catch
        {
            if (created) TryDelete(path);
            throw;
        }
    }

    /// <summary>A data-folder problem as one line naming the folder and its keys.</summary>
    public static RelayStartException Problem(string path, string problem, Exception? inner = null)
    {
        var message = $"data folder {path} (--data, Store:DataFolder): {problem}";
        return inner is null ? new RelayStartException(message) : new RelayStartException(message, inner);
    }

    /// <summary>An exception's message without the trailing period, for "(…)" in a line.</summary>
    public static string Reason(Exception exception) => exception.Message.Split('\n')[0].Trim().TrimEnd('.');

    /// <summary>Releases the lock; the folder and its lock file stay.</summary>
    public void Dispose() => _lock.Dispose();

    /// <summary>After a failed start: releases the lock and removes the folder if this start made it.</summary>
    public void Abandon()
    {
        Dispose();
        if (Created) TryDelete(Path);
    }

    private static FileStream Lock(string path)
    {
        var file = System.IO.Path.Combine(path, LockFileName);
        FileStream locked;
        try
        {
            // FileShare.None takes an exclusive flock (LockFileEx on Windows) for as long as the stream is open.
            locked = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw Problem(path, $"not writable ({Reason(exception)})", exception);
        }
        catch (IOException exception)
        {
            throw Problem(path, IsLocked(file) ? $"in use by another relay ({file} is locked)" : $"not writable ({Reason(exception)})", exception);
        }
        try
        {
            locked.SetLength(0);
            locked.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            locked.Flush();
            return locked;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            locked.Dispose();
            throw Problem(path, $"not writable ({Reason(exception)})", exception);
        }
    }

    /// <summary>
    /// True when <paramref name="file"/> exists and cannot even be opened for reading: a reader takes a shared lock,
    /// which only an exclusive lock held by another stream refuses. Any other failure was about writing.
    /// </summary>
    private static bool IsLocked(string file)
    {
        if (!File.Exists(file)) return false;
        try
        {
            using var reader = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort: the start failed already and says why; a folder left behind is the lesser problem.
        }
    }
}
