using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// The SMTP layer's meter (which refuses past Smtp:MaxHeaderSize) and the relay's parser (which then parses) measure
/// every header section alike: a message the session lets through is never over the limit for the handler.
/// </summary>
public sealed class HeaderSectionAgreementTests
{
    [Theory]
    [InlineData("From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n")]
    [InlineData("From sender@example.com Mon Jan  1 00:00:00 2024\r\n>From x\r\nFrom: a@example.com\r\n\r\nbody")]
    [InlineData("From : a field\r\n\r\n")]
    [InlineData("Body only\r\n")]
    [InlineData("X Bad: v\r\nFrom: a@example.com\r\n\r\n")]
    [InlineData("\r\nempty section")]
    [InlineData("From: a@example.com\r\nno empty line")]
    public void Meter_and_parser_give_the_same_size(string message) => AssertSame(Encoding.Latin1.GetBytes(message));

    [Fact]
    public void Meter_and_parser_agree_on_random_messages()
    {
        // Pieces that make fields, folds, empty lines, bare CRs, mbox separators and broken names likely.
        string[] pieces = ["From", ">From", " ", "\t", ":", "\r\n", "\n", "\r", "X-A", "b", "c d", "\x01", "\xe9", "From ", ": v\r\n"];
        var random = new Random(16);
        for (var i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder();
            for (var n = random.Next(1, 14); n > 0; n--) text.Append(pieces[random.Next(pieces.Length)]);
            AssertSame(Encoding.Latin1.GetBytes(text.ToString()));
        }
    }

    private static void AssertSame(byte[] message)
    {
        var meter = new HeaderSectionMeter();
        meter.Feed(message);
        var section = HeaderSection.Parse(message);
        Assert.True(meter.Length == section.Length, $"meter {meter.Length}, parser {section.Length}: {Convert.ToHexString(message)}");
    }
}
