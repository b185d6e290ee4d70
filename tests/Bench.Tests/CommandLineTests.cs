namespace SmarthostLab.Bench.Tests;

/// <summary>
/// The bench's command line (System.CommandLine, as the probe): <c>--help</c> at the top and on each command prints
/// usage on stdout and exits 0; a bad flag or value exits 2 with a line on stderr naming it, and nothing runs.
/// </summary>
public sealed class CommandLineTests
{
    [Theory]
    // The usage line starts with the executable's name: smarthostlab-bench, here the test host's.
    [InlineData(new[] { "--help" }, " [command] [options]")]
    [InlineData(new[] { "load", "--help" }, " load [options]")]
    [InlineData(new[] { "soak", "--help" }, " soak [options]")]
    [InlineData(new[] { "soak", "--mode", "flood", "--help" }, "--flood-shape")]
    [InlineData(new[] { "relay-args", "--help" }, " relay-args [options]")]
    [InlineData(new[] { "micro", "--help" }, " micro [options]")]
    [InlineData(new[] { "report", "--help" }, " report <reports>... [options]")]
    [InlineData(new[] { "load", "-h" }, "--rate <N>")]
    public async Task Help_prints_usage_on_stdout_and_exits_0(string[] args, string expected)
    {
        var run = await BenchRun.RunAsync(args);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output);
        Assert.Contains(expected, run.Output);
        Assert.Equal("", run.Error);
    }

    [Theory]
    [InlineData(new[] { "load", "--bogus" }, "load: Unrecognized command or argument '--bogus'.")]
    [InlineData(new[] { "load", "--connections", "0" }, "load: --connections: '0' is not a whole number between 1 and 100000")]
    [InlineData(new[] { "load", "--target", "192.0.2.10:25" }, "load: --target: 192.0.2.10 is not a loopback address; the bench only loads this machine")]
    [InlineData(new[] { "load", "--rate", "fast" }, "load: --rate: 'fast' is not a whole number between 0 and 10000000")]
    [InlineData(new[] { "load", "--size", "2g" }, "load: --size: '2g' is not a size between 256 octets and 64m")]
    [InlineData(new[] { "load", "--duration" }, "load: Required argument missing for option: '--duration'.")]
    [InlineData(new[] { "load", "--waiters", "5" }, "load: --waiters needs the relay's API: --start-relay or --relay-api")]
    [InlineData(new[] { "load", "--cpu", "postgres" }, "load: --cpu: 'postgres' is not NAME=PID[,PID…]")]
    [InlineData(new[] { "load", "--cpu", "relays=12,x" }, "load: --cpu: 'relays=12,x' is not NAME=PID[,PID…]")]
    [InlineData(new[] { "load", "--quiet", "--progress" }, "load: use only one of --quiet and --progress")]
    [InlineData(new[] { "soak", "--bogus" }, "soak: ")]
    [InlineData(new[] { "relay-args", "--bogus", "--folder", "/tmp/x" }, "relay-args: Unrecognized command or argument '--bogus'.")]
    [InlineData(new[] { "relay-args", "--target", "127.0.0.1:25" }, "relay-args: Option '--folder' is required.")]
    [InlineData(new[] { "report", "--bogus", "--out", "x.html", "a.json" }, "report: File does not exist: '--bogus'.")]
    [InlineData(new[] { "report", "--out", "x.html" }, "report: Required argument 'reports' missing for command: 'report'.")]
    [InlineData(new[] { "micro", "--filter", "*Spf*", "--bogus" }, "micro: BenchmarkDotNet refused the arguments: Option 'bogus' is unknown.")]
    [InlineData(new[] { "bogus" }, "bench: Required command was not provided.\nbench: Unrecognized command or argument 'bogus'.")]
    [InlineData(new string[0], "bench: Required command was not provided.")]
    public async Task A_bad_flag_exits_2_naming_it_and_runs_nothing(string[] args, string expected)
    {
        var run = await BenchRun.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(expected, run.Error);
        Assert.Contains("--help' for usage", run.Error);
        Assert.Equal("", run.Output);
    }
}
