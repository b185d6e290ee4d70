using System.Globalization;
using System.Runtime.InteropServices;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// Puts the relay process's threads in Linux's <c>SCHED_BATCH</c> policy (<c>Host:BatchScheduling</c>, on by
/// default; nothing happens on other systems). The relay runs a dozen busy threads on few cores: socket engine,
/// thread-pool workers, the store's writer. Under the default policy each wake-up (a reply arriving, a commit
/// completing) may preempt the thread that is running, so the cores spend their time switching between the
/// relay's own threads. <c>SCHED_BATCH</c> is the kernel's policy for "workloads that want a deterministic
/// scheduling policy without interactivity causing extra preemptions (between the workload's tasks)"
/// (sched(7)): the same share of CPU, fewer preemptions, a little more wake-up latency, which a mail relay
/// that answers within milliseconds does not notice. It needs no privilege. Threads the runtime starts later
/// inherit the policy from the thread that starts them.
/// </summary>
internal static partial class BatchScheduling
{
    /// <summary>SCHED_BATCH in linux/sched.h.</summary>
    private const int SchedBatch = 3;

    /// <summary>ESRCH: the thread ended between listing and switching it.</summary>
    private const int NoSuchThread = 3;

    /// <summary>
    /// Switches every thread of this process to SCHED_BATCH. Returns the number switched and, when not on Linux
    /// or when the C library or kernel refused (musl's sched_setscheduler always does), the reason.
    /// </summary>
    public static (int Switched, string? Problem) Apply()
    {
        if (!OperatingSystem.IsLinux()) return (0, "not Linux");
        var switched = 0;
        string? problem = null;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) continue;
            var priority = 0; // struct sched_param { int sched_priority; }, 0 for SCHED_BATCH
            if (SetScheduler(tid, SchedBatch, ref priority) == 0) switched++;
            else if (Marshal.GetLastPInvokeError() != NoSuchThread)
                problem ??= $"sched_setscheduler: {Marshal.GetLastPInvokeErrorMessage()} (errno {Marshal.GetLastPInvokeError()})";
        }
        return (switched, problem);
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for one int by reference
    private static extern int SetScheduler(int pid, int policy, ref int priority);
#pragma warning restore SYSLIB1054
}
