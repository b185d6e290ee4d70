using System.Text;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Tests;

/// <summary>The header section's size as octets arrive, fed whole and split at every point.</summary>
public sealed class HeaderSectionMeterTests
{
    public static TheoryData<string, long> Cases() => new()
    {
        { "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n", 34 },
        { "From: a@example.com\nSubject: hi\n\nbody\n", 32 },
        { "Subject: folded\r\n  over\r\n\tlines\r\n\r\nbody", 33 },
        { "\r\nbody after an empty section\r\n", 0 },
        { "\nbody", 0 },
        { "From: a@example.com\r\nSubject: no empty line\r\n", 45 },
        { "From: a@example.com", 19 },
        { "Subject : white space before the colon\r\n\r\n", 40 },
        { "From: a@example.com\r\nnot a field later\r\n\r\nx", 40 },
        { "From: a@example.com\r\n \r\n\r\nx", 24 },
        { "From: a@example.com\r\n\rX: y\r\n\r\n", 28 },
        { "From sender@example.com Mon Jan  1 00:00:00 2024\r\nFrom: a@example.com\r\n\r\nbody", 71 },
        { ">From x\r\nFrom x y\r\nTo: b@example.com\r\n\r\n", 38 },
        { "From : a field, not an mbox line\r\n\r\n", 34 },
        { "From sender\r\n\r\nbody", 13 },
        // No header section: the first line is not a field, all of the message is body.
        { "Body only, no header at all.\r\nSecond line.\r\n", 0 },
        { "X Bad Header: space in the name\r\nFrom: a@example.com\r\n\r\nbody\r\n", 0 },
        { " From: a@example.com\r\n\r\n", 0 },
        { ":no name\r\n\r\n", 0 },
        { "From\r\n\r\n", 0 },
        { "From\tx\r\n\r\n", 0 },
        { "Subject \r\n\r\n", 0 },
        { "\rX: y\r\n\r\n", 0 },
        { "", 0 },
        { "abc", 0 },
        { "From ", 0 },
        { "From x\r\n", 0 },
        { "From x\r\nabc", 0 },
        { "A: b\r\n\r", 7 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Size_is_the_octets_before_the_empty_line_at_every_split(string message, long expected)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var meter = new HeaderSectionMeter();
            meter.Reset();
            meter.Feed(bytes.AsSpan(0, split));
            meter.Feed(bytes.AsSpan(split));
            Assert.True(expected == meter.Length, $"split {split}: {meter.Length}, expected {expected}");
        }
        var oneByOne = new HeaderSectionMeter();
        foreach (var b in bytes) oneByOne.Feed([b]);
        Assert.Equal(expected, oneByOne.Length);
    }

    [Fact]
    public void While_the_section_lasts_every_octet_counts()
    {
        var meter = new HeaderSectionMeter();
        meter.Feed("X-Long: x\r\n"u8);
        for (var i = 0; i < 1000; i++) meter.Feed(" folded\r\n"u8);
        Assert.Equal(11 + 9000, meter.Length);
        meter.Feed("\r\n body, not counted\r\n"u8);
        Assert.Equal(11 + 9000, meter.Length);
    }

    [Fact]
    public void An_undecided_first_line_counts_nothing_until_its_colon()
    {
        var meter = new HeaderSectionMeter();
        meter.Feed(Encoding.ASCII.GetBytes("From x\r\n" + new string('n', 5000)));
        Assert.Equal(0, meter.Length); // it may yet be no field: then the message has no section at all, size 0
        meter.Feed(": a field after all\r\n"u8);
        Assert.Equal(5000 + 8 + 21, meter.Length);
    }

    [Fact]
    public void Reset_starts_over()
    {
        var meter = new HeaderSectionMeter();
        meter.Feed("Not a field\r\n"u8);
        meter.Reset();
        meter.Feed("A: b\r\n"u8);
        Assert.Equal(6, meter.Length);
    }
}
