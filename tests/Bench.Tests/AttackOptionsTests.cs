namespace SmarthostLab.Bench.Tests;

/// <summary>Bad usage of the soak modes is refused with exit code 2 and a line naming the problem, before any relay starts.</summary>
public sealed class AttackOptionsTests
{
    [Theory]
    [InlineData("flood", new[] { "--flooders", "0" }, "--flooders: '0' is not a whole number between 1 and 5000")]
    [InlineData("slow-reader", new[] { "--shapes", "pipeline,slowdata" }, "--shapes: 'slowdata' is not pipeline, trickle or slow-data")]
    [InlineData("slow-reader", new[] { "--attackers", "4", "--registered-attackers", "5" }, "--registered-attackers: 5 is more than --attackers 4")]
    [InlineData("flood", new[] { "--relay-setting", "MaxConnections=5" }, "--relay-setting: 'MaxConnections=5' is not Section:Key=VALUE")]
    [InlineData("flood", new[] { "--relay-setting", "Smtp:CommandTimeout=soon" }, "--relay-setting:")]
    [InlineData("flood", new[] { "--flood-shape", "burst" }, "--flood-shape: 'burst' is not mixed, hold or hang-up")]
    [InlineData("flood", new[] { "--seconds" }, "Required argument missing for option: '--seconds'.")]
    [InlineData("flood", new[] { "--flooderz", "5" }, "Unrecognized command or argument '--flooderz'.")]
    [InlineData("flood", new[] { "--cycles", "3" }, "--cycles is not an option of --mode flood")]
    [InlineData("kill", new[] { "--attackers", "3" }, "--attackers is not an option of --mode kill")]
    // Options left to their defaults count as such: --attackers is 150 here, so only --interval is wrong.
    [InlineData("slow-reader", new[] { "--registered-attackers", "40", "--interval", "0" }, "--interval: '0' is not a number of seconds between 0.01 and 600\nrun")]
    [InlineData("slowloris", new string[0], "--mode: 'slowloris' is not kill, slow-reader or flood")]
    public async Task Bad_usage_exits_2_naming_the_problem(string mode, string[] args, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await SmarthostLab.Bench.Cli.BenchApp.RunAsync(["soak", "--mode", mode, "--relay-dll", AttackSoakRun.RelayDll, .. args], output, error);
        Assert.Equal(2, exit);
        Assert.StartsWith($"soak: {expected}", error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task Without_mode_the_kill_mode_options_are_taken_and_the_attack_ones_refused()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await SmarthostLab.Bench.Cli.BenchApp.RunAsync(["soak", "--relay-dll", AttackSoakRun.RelayDll, "--cycles", "2", "--flooders", "5"], output, error);

        Assert.Equal(2, exit);
        Assert.StartsWith("soak: --flooders is not an option of --mode kill\nrun", error.ToString());
    }
}
