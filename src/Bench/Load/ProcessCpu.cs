using System.ComponentModel;
using System.Diagnostics;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// CPU time (user + system) a process has used, read before and after the measured run so the report can
/// say what each accepted message cost. CPU per message is steadier than messages per second on a shared
/// or virtual machine, where the rate moves with the neighbours but the work per message does not.
/// </summary>
public static class ProcessCpu
{
    /// <summary>Total CPU time of <paramref name="pid"/> (this process when null); null when it cannot be read.</summary>
    public static TimeSpan? Read(int? pid = null)
    {
        try
        {
            using var process = pid is null ? Process.GetCurrentProcess() : Process.GetProcessById(pid.Value);
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return null; // gone, or not readable here
        }
    }

    /// <summary>Microseconds of CPU per message between two readings; null when either is missing or nothing was accepted.</summary>
    public static double? PerMessage(TimeSpan? before, TimeSpan? after, long accepted) =>
        before is { } b && after is { } a && accepted > 0 ? (a - b).TotalMicroseconds / accepted : null;
}
