using System.Text;

namespace SmarthostLab.Fuzz.Tests;

/// <summary>The targets themselves: they catch what they promise to, and a short seeded mutation run finds nothing.</summary>
public sealed class TargetTests
{
    [Theory]
    [InlineData("220 fuzz.test ready\r\n250-fuzz.test\r\n250 PIPELINING\r\n", 2)]
    [InlineData("", 0)]
    public void The_reply_checker_splits_well_formed_output_into_replies(string wire, int replies) =>
        Assert.Equal(replies, Targets.ReplyChecks.ParseWire(Encoding.UTF8.GetBytes(wire)).Count);

    [Theory]
    [InlineData("250-unfinished\r\n")]
    [InlineData("250-fuzz.test\r\n251 other code\r\n")]
    [InlineData("250 no line end")]
    [InlineData("250 bare\nLF\r\n")]
    [InlineData("hello\r\n")]
    [InlineData("650 out of range\r\n")]
    [InlineData("250 tab\u0001control\r\n")]
    public void The_reply_checker_fails_on_output_no_client_could_read(string wire) =>
        Assert.Throws<FuzzInvariantException>(() => Targets.ReplyChecks.ParseWire(Encoding.UTF8.GetBytes(wire)));

    [Fact]
    public void The_reply_checker_fails_on_a_reply_value_with_a_wrong_enhanced_code() =>
        Assert.Throws<FuzzInvariantException>(() => Targets.ReplyChecks.WellFormed(new Smtp.Protocol.SmtpReply(550, "4.1.1", "class mismatch")));

    [Theory]
    [InlineData("command")]
    [InlineData("data")]
    [InlineData("session")]
    [InlineData("bdat")]
    [InlineData("proxy")]
    [InlineData("zone")]
    [InlineData("spf")]
    [InlineData("dkim")]
    public void A_seeded_mutation_run_of_the_target_finds_nothing(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var corpus = Directory.EnumerateFiles(FuzzPaths.Corpus(name)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        var dictionary = Mutator.ReadDictionary(Path.Combine(FuzzPaths.Root(), "fuzz", "dict", name + ".dict"));
        var mutator = new Mutator(seed: 20260516, corpus, dictionary, maxLength: 8 * 1024);
        for (var run = 0; run < 300; run++)
        {
            var input = mutator.Next();
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                var file = Path.Combine(Path.GetTempPath(), $"fuzz-{name}-run{run}");
                File.WriteAllBytes(file, input);
                Assert.Fail($"{name} run {run} failed on the {input.Length}-octet input written to {file}: {e}");
            }
        }
    }

    [Fact]
    public void The_mutator_is_deterministic_for_a_seed()
    {
        byte[][] corpus = [Encoding.ASCII.GetBytes("MAIL FROM:<a@b.test>\r\n")];
        var a = new Mutator(5, corpus, []);
        var b = new Mutator(5, corpus, []);
        for (var k = 0; k < 100; k++) Assert.Equal(a.Next(), b.Next());
    }
}
