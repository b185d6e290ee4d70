using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>RFC 3461 DSN parameters in a session over in-memory pipes: what is accepted, kept and refused.</summary>
public sealed class DsnSessionTests
{
    private const string SyntaxError = "501 5.5.4 Syntax error in parameters or arguments";
    private const string Unsupported = "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented";

    [Fact]
    public async Task EHLO_offers_DSN_before_CHUNKING()
    {
        await using var h = PipeHarness.Start();
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\n");
        Assert.Contains("\n250-ENHANCEDSTATUSCODES\n250-DSN\n250-CHUNKING\n", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task RET_and_ENVID_are_accepted_and_kept_on_the_envelope()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test> ret=hdrs ENVID=QQ314159\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        Assert.Equal(["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK"], (await h.ReadRepliesAsync(3))[..2]);
        await h.SendAsync("Subject: x\r\n\r\nx\r\n.\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", await h.ReadReplyAsync());
        var envelope = Assert.Single(h.Handler.Messages).Envelope;
        Assert.Equal(("HDRS", "QQ314159"), (envelope.Ret, envelope.EnvelopeId));
        Assert.Equal("hdrs", envelope.MailFromParameters["RET"]);
        Assert.Equal("QQ314159", envelope.MailFromParameters["ENVID"]);
        Assert.Equal([null], envelope.RecipientParameters);
    }

    [Fact]
    public async Task Without_DSN_parameters_Ret_and_EnvelopeId_are_null()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nBDAT 1 LAST\r\nx");
        await h.ReadRepliesAsync(3);
        var envelope = Assert.Single(h.Handler.Messages).Envelope;
        Assert.Null(envelope.Ret);
        Assert.Null(envelope.EnvelopeId);
        Assert.Empty(envelope.MailFromParameters);
    }

    [Theory]
    [InlineData("RET=BRIEF")]
    [InlineData("RET")]
    [InlineData("RET=FULL RET=HDRS")]
    [InlineData("RET=FULL ret=full")]
    [InlineData("ENVID=QQ+3G")]
    [InlineData("ENVID=a+zz")]
    [InlineData("ENVID")]
    [InlineData("ENVID=a ENVID=b")]
    [InlineData("ENVID=josé")]
    public async Task Bad_or_repeated_RET_and_ENVID_get_501(string parameters)
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync($"MAIL FROM:<a@a.test> SMTPUTF8 {parameters}\r\nMAIL FROM:<a@a.test>\r\n");
        Assert.Equal([SyntaxError, "250 2.1.0 Sender OK"], await h.ReadRepliesAsync(2));
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "mail", Reason: "syntax" });
    }

    [Fact]
    public async Task ENVID_over_100_characters_gets_501()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync($"MAIL FROM:<a@a.test> ENVID={new string('x', 101)}\r\nMAIL FROM:<a@a.test> ENVID={new string('x', 100)}\r\n");
        Assert.Equal([SyntaxError, "250 2.1.0 Sender OK"], await h.ReadRepliesAsync(2));
    }

    [Fact]
    public async Task NOTIFY_and_ORCPT_are_accepted_and_kept_per_recipient()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync(
            "MAIL FROM:<a@a.test>\r\n" +
            "RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com\r\n" +
            "RCPT TO:<carol@example.com>\r\n" +
            "RCPT TO:<dave@example.com> orcpt=rfc822;d+2Bx+3Dy@example.com notify=never\r\n" +
            "BDAT 1 LAST\r\nx");
        Assert.Equal(["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK"],
            (await h.ReadRepliesAsync(5))[..4]);
        var envelope = Assert.Single(h.Handler.Messages).Envelope;
        Assert.Equal(["bob@example.com", "carol@example.com", "dave@example.com"], envelope.Recipients);
        Assert.Equal(
            ["NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com", null, "ORCPT=rfc822;d+2Bx+3Dy@example.com NOTIFY=never"],
            envelope.RecipientParameters);
    }

    [Theory]
    [InlineData("NOTIFY=NEVER,SUCCESS")]
    [InlineData("NOTIFY=SUCCESS,SUCCESS")]
    [InlineData("NOTIFY=SOMETIMES")]
    [InlineData("NOTIFY")]
    [InlineData("NOTIFY=NEVER NOTIFY=NEVER")]
    [InlineData("ORCPT=bob@example.com")]
    [InlineData("ORCPT=rfc822;")]
    [InlineData("ORCPT=rfc822;bob+4@example.com")]
    [InlineData("ORCPT=rfc822;bob@example.com ORCPT=rfc822;bob@example.com")]
    [InlineData("ORCPT=rfc822;josé@example.com")]
    [InlineData("ORCPT=utf-8;josé@example.com")] // raw UTF-8 only under SMTPUTF8 (RFC 6533 3)
    public async Task Bad_or_repeated_NOTIFY_and_ORCPT_get_501(string parameters)
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync($"MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test> {parameters}\r\nRCPT TO:<b@b.test>\r\n");
        Assert.Equal(["250 2.1.0 Sender OK", SyntaxError, "250 2.1.5 Recipient OK"], await h.ReadRepliesAsync(3));
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "rcpt", Reason: "syntax" });
    }

    [Fact]
    public async Task A_UTF8_original_recipient_is_accepted_under_SMTPUTF8()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test> SMTPUTF8\r\nRCPT TO:<josé@example.com> ORCPT=utf-8;josé@example.com\r\n" +
                          "RCPT TO:<renée@example.com> ORCPT=utf-8;ren\\x{E9}e@example.com\r\n");
        Assert.Equal(["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK"], await h.ReadRepliesAsync(3));
    }

    [Fact]
    public async Task An_unknown_RCPT_parameter_is_still_refused_beside_DSN_ones()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test> NOTIFY=FAILURE RRVS=2030-01-01T00:00:00Z\r\nRCPT TO:<b@b.test> SIZE=10\r\n");
        Assert.Equal(["250 2.1.0 Sender OK", Unsupported, Unsupported], await h.ReadRepliesAsync(3));
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "rcpt", Reason: "unsupported-parameter" });
    }
}
