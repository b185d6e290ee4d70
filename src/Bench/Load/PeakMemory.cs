using System.Globalization;

namespace SmarthostLab.Bench.Load;

/// <summary>Peak resident memory (VmHWM in /proc/PID/status, Linux) of a process, in octets.</summary>
public static class PeakMemory
{
    /// <summary>VmHWM of <paramref name="pid"/> (this process when null); null when it cannot be read.</summary>
    public static long? Read(int? pid = null)
    {
        var path = pid is null ? "/proc/self/status" : $"/proc/{pid}/status";
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var parts = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return pid is null ? Environment.WorkingSet : null;
    }
}
