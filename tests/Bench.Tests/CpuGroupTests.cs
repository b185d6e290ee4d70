using SmarthostLab.Bench.Load;
using System.Diagnostics;

namespace SmarthostLab.Bench.Tests;

/// <summary><c>load --cpu NAME=PID[,PID…]</c>: the CPU per message of other processes (PostgreSQL, HAProxy, relays), issue 18's capacity model.</summary>
public sealed class CpuGroupTests
{
    [Fact]
    public async Task A_group_reports_the_cpu_its_processes_used_per_accepted_message_and_an_idle_one_none()
    {
        // The relay runs in this process (--start-relay): its work is this process's CPU. A sleeping child uses none.
        using var idle = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var port = RelayChildProcess.FreePort();
            var run = await BenchRun.RunAsync("load", "--start-relay", "--target", $"127.0.0.1:{port}", "--bind", "127.0.0.2",
                "--connections", "4", "--messages", "400", "--duration", "60", "--json",
                "--cpu", $"relay={Environment.ProcessId}", "--cpu", $"idle={idle.Id}");

            using var report = run.Json();
            Assert.True(run.ExitCode == 0, run.Error);
            var cpu = report.RootElement.GetProperty("cpuPerMessageUs");
            Assert.True(cpu.GetProperty("relay").GetDouble() > 0, cpu.ToString());
            Assert.Equal(0, cpu.GetProperty("idle").GetDouble());
        }
        finally
        {
            idle.Kill();
        }
    }
}
