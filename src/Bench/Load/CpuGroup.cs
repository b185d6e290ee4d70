using System.Globalization;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// A named group of processes whose CPU time the load report divides by the accepted messages (<c>--cpu
/// postgres=PID</c>): each process counts with its child processes, so PostgreSQL's postmaster brings its backends and
/// two relays can be one group. Read from /proc (Linux).
/// </summary>
public sealed record CpuGroup(string Name, IReadOnlyList<int> Pids)
{
    /// <summary>Parses <c>NAME=PID[,PID…]</c>; null when it is not that.</summary>
    public static CpuGroup? TryParse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1) return null;
        var pids = new List<int>();
        foreach (var part in text[(equals + 1)..].Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0) return null;
            pids.Add(pid);
        }
        return new CpuGroup(text[..equals], pids);
    }

    /// <summary>CPU ticks (user + system) of the group's processes and their children now, by process.</summary>
    public Dictionary<int, long> Read()
    {
        var ticks = new Dictionary<int, long>();
        foreach (var (pid, ppid, cpu) in ProcStat())
            if (Pids.Contains(pid) || Pids.Contains(ppid)) ticks[pid] = cpu;
        return ticks;
    }

    /// <summary>
    /// The CPU time the group used between two readings: each process's growth, all of it for one started meanwhile;
    /// a process that ended meanwhile is not counted (its last share is lost, never subtracted).
    /// </summary>
    public static TimeSpan Between(Dictionary<int, long> before, Dictionary<int, long> after)
    {
        var ticks = 0L;
        foreach (var (pid, cpu) in after) ticks += Math.Max(0, cpu - before.GetValueOrDefault(pid));
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>Linux's USER_HZ, the unit of /proc/PID/stat's times: 100 on every architecture .NET runs on.</summary>
    private const int ClockTicksPerSecond = 100;

    private static IEnumerable<(int Pid, int Parent, long Ticks)> ProcStat()
    {
        IEnumerable<string> folders;
        try { folders = Directory.EnumerateDirectories("/proc"); }
        catch (IOException) { yield break; }
        foreach (var folder in folders)
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(folder, "stat")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; } // ended meanwhile
            // "pid (comm) state ppid … utime stime …": comm may hold spaces and parentheses, so fields count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length < 13) continue;
            yield return (pid, int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
    }
}
