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
/// that answers within milliseconds does not notice. It needs no privilege. Thread-pool workers the runtime
/// starts later come up in the default policy (measured: unlike under <c>chrt -b</c>, they do not take it from
/// the thread that starts them), so <see cref="RelayHost"/> sweeps again once a second: a thread is in the
/// default policy for at most its first second.
/// </summary>
internal static class BatchScheduling
{
    /// <summary>SCHED_BATCH in linux/sched.h.</summary>
    private const int SchedBatch = 3;

    /// <summary>ESRCH: the thread ended between listing and switching it.</summary>
    private const int NoSuchThread = 3;

    /// <summary>How often <see cref="RelayHost"/> sweeps for threads started in the default policy.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>Listing passes at most; each after the first finds only threads started during the one before.</summary>
    private const int MaxPasses = 4;

    /// <summary>
    /// Switches every thread of this process to SCHED_BATCH. Returns the number switched and, when not on Linux
    /// or when the C library or kernel refused (musl's sched_setscheduler always does), the reason. The calling
    /// thread goes first; then /proc/self/task is listed again until a pass finds no thread left in another
    /// policy, so a thread started by a not yet switched thread during a pass is caught by the next.
    /// </summary>
    public static (int Switched, string? Problem) Apply()
    {
        if (!OperatingSystem.IsLinux()) return (0, "not Linux");
        var priority = 0; // struct sched_param { int sched_priority; }, 0 for SCHED_BATCH
        if (SetScheduler(0, SchedBatch, ref priority) != 0) return (0, LastError());
        var switched = 1;
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var found = 0;
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) continue;
                var policy = GetScheduler(tid);
                if (policy == SchedBatch || policy < 0) continue; // already switched, or ended meanwhile
                found++;
                if (SetScheduler(tid, SchedBatch, ref priority) == 0) switched++;
                else if (Marshal.GetLastPInvokeError() != NoSuchThread) return (switched, LastError());
            }
            if (found == 0) break;
        }
        return (switched, null);
    }

    private static string LastError() =>
        $"sched_setscheduler: {Marshal.GetLastPInvokeErrorMessage()} (errno {Marshal.GetLastPInvokeError()})";

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code (AllowUnsafeBlocks) for its generated stubs
    [DllImport("libc", EntryPoint = "sched_getscheduler")]
    private static extern int GetScheduler(int pid);

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static extern int SetScheduler(int pid, int policy, ref int priority);
#pragma warning restore SYSLIB1054
}
