namespace SmarthostLab.Probe.Tests.Commands;

public sealed class HelpAndArgumentTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("connector", "--help")]
    [InlineData("connector", "lint", "--help")]
    [InlineData("connector", "script", "--help")]
    [InlineData("dns", "--help")]
    [InlineData("send", "--help")]
    public async Task Every_command_has_help(params string[] args)
    {
        var run = await ProbeRun.RunAsync(args);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_of_commands_documents_the_exit_codes()
    {
        foreach (var command in new[] { new[] { "send", "--help" }, ["dns", "--help"], ["connector", "lint", "--help"] })
        {
            var run = await ProbeRun.RunAsync(command);
            Assert.Contains("2 ", run.Out, StringComparison.Ordinal);
            Assert.Contains("Exit codes", run.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("send", "--via", "127.0.0.1:25")]
    [InlineData("send", "--via", "127.0.0.1:25", "--from", "a@contoso.test", "--to", "b@example.com", "--relay", "http://127.0.0.1:1", "--tls", "--starttls")]
    [InlineData("send", "--via", "127.0.0.1:25", "--from", "a@contoso.test", "--to", "b@example.com", "--relay", "http://127.0.0.1:1", "--timeout", "0")]
    [InlineData("dns")]
    public async Task Bad_arguments_exit_2(params string[] args)
    {
        var run = await ProbeRun.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.NotEmpty(run.Error);
    }
}
