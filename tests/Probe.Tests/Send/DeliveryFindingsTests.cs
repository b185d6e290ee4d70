using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Probe.Send;

namespace SmarthostLab.Probe.Tests.Send;

public sealed class DeliveryFindingsTests
{
    private static readonly DateTime At = new(2026, 11, 23, 11, 7, 0, DateTimeKind.Utc);

    /// <summary>
    /// The message as the relay's API writes it (the contract type and its JSON context), read back as the probe's
    /// RelayClient reads it: the inputs are what a relay sends.
    /// </summary>
    private static MessageResponse FromRelay(params DeliveryResponse[] delivery)
    {
        var response = new MessageResponse("01JD", "contoso", "127.0.0.2", "mta.contoso.test", null, "alice@contoso.test", "",
            [.. delivery.Select(d => d.Recipient)], 1234, At, "SmarthostLab probe shl-1", "<1@contoso.test>", "alice@contoso.test",
            false, null, delivery, null);
        var json = JsonSerializer.Serialize(response, ApiJson.Context.MessageResponse);
        return JsonSerializer.Deserialize(json, ApiJson.Context.MessageResponse)!;
    }

    private static DeliveryResponse Delivery(string state, string recipient = "bob@example.com", int attempts = 1, string? reply = null, DateTime? next = null) =>
        state == DeliveryStates.Stored
            ? new DeliveryResponse(recipient, state, null, 0, null, null, null, null, null)
            : new DeliveryResponse(recipient, state, "nexthop:[127.0.0.1]:2526", attempts, attempts > 0 ? At : null, next,
                attempts > 0 ? "localhost" : null, attempts > 0 ? "127.0.0.1:2526" : null, reply);

    private static Finding Single(MessageResponse message)
        => Assert.Single(DeliveryFindings.For(message, 30));

    [Fact]
    public void Every_field_of_the_relays_delivery_reaches_the_probe()
    {
        var response = new MessageResponse("01JE", null, "", null, null, "", "", ["alice@contoso.test"], 10, At, null, null, null, false, null,
            [new DeliveryResponse("alice@contoso.test", "deferred", "mx:contoso.test", 3, At, At.AddMinutes(15), "mx.contoso.test", "127.0.0.5:25", "451 4.3.0 later")],
            "01JD");

        var message = JsonSerializer.Deserialize(JsonSerializer.Serialize(response, ApiJson.Context.MessageResponse), ApiJson.Context.MessageResponse)!;

        Assert.Equal("01JD", message.DsnOf);
        var d = Assert.Single(message.Delivery);
        Assert.Equal(("alice@contoso.test", "deferred", "mx:contoso.test", 3), (d.Recipient, d.State, d.Destination, d.Attempts));
        Assert.Equal((At, At.AddMinutes(15)), (d.LastAttemptAt, d.NextAttemptAt));
        Assert.Equal(("mx.contoso.test", "127.0.0.5:25", "451 4.3.0 later"), (d.RemoteHost, d.RemoteAddress, d.LastReply));
    }

    [Fact]
    public void Delivered_passes_naming_the_next_hop_the_attempts_and_its_reply()
    {
        var finding = Single(FromRelay(Delivery("delivered", reply: "250 2.0.0 Ok: queued as 7")));

        Assert.Equal(("delivered", Severity.Pass), (finding.Check, finding.Severity));
        Assert.Equal("the relay delivered it to localhost[127.0.0.1:2526] after 1 attempt: 250 2.0.0 Ok: queued as 7", finding.Message);
        Assert.Equal("127.0.0.1:2526", finding.Details!["remoteAddress"]);
    }

    [Fact]
    public void Bounced_fails_naming_the_recipient_the_state_and_the_reason()
    {
        var finding = Single(FromRelay(Delivery("bounced", reply: "550 5.1.1 no such user")));

        Assert.Equal(Severity.Fail, finding.Severity);
        Assert.Equal("not delivered to bob@example.com: bounced by localhost[127.0.0.1:2526] after 1 attempt: 550 5.1.1 no such user", finding.Message);
        Assert.NotNull(finding.Fix);
    }

    [Fact]
    public void Expired_fails_with_the_relays_reason()
    {
        var finding = Single(FromRelay(Delivery("expired", attempts: 12, reply: "still undeliverable after 2.00:00:00 in the queue; last: 451 4.3.0 later")));

        Assert.Equal(Severity.Fail, finding.Severity);
        Assert.Equal("not delivered to bob@example.com: expired after 12 attempts: still undeliverable after 2.00:00:00 in the queue; last: 451 4.3.0 later", finding.Message);
        Assert.Contains("Delivery:MaxQueueLifetime", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Still_deferred_when_the_wait_ended_fails_with_the_reply_and_the_next_attempt()
    {
        var finding = Single(FromRelay(Delivery("deferred", attempts: 2, reply: "451 4.3.0 try again later", next: At.AddMinutes(2))));

        Assert.Equal(Severity.Fail, finding.Severity);
        Assert.Equal("not delivered to bob@example.com within 30 s: deferred after 2 attempts: 451 4.3.0 try again later; next attempt at 11:09:00Z", finding.Message);
        Assert.Contains("--no-delivery", finding.Fix, StringComparison.Ordinal);
        Assert.Contains("nexthop:[127.0.0.1]:2526", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Still_queued_without_an_attempt_says_so()
    {
        var finding = Single(FromRelay(Delivery("queued", attempts: 0, next: At)));

        Assert.Equal(Severity.Fail, finding.Severity);
        Assert.Equal("not delivered to bob@example.com within 30 s: queued, no attempt yet; next attempt at 11:07:00Z", finding.Message);
    }

    [Fact]
    public void A_relay_in_Store_mode_gets_one_note_and_no_wait()
    {
        var message = FromRelay(Delivery("stored"), Delivery("stored", "carol@example.com"));

        var finding = Single(message);

        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Equal("the relay keeps messages (Delivery:Mode=Store); nothing was sent on", finding.Message);
        Assert.False(DeliveryFindings.Relays(message));
    }

    [Fact]
    public void A_relay_that_reports_no_delivery_gets_no_line()
    {
        var message = FromRelay();

        Assert.Empty(DeliveryFindings.For(message, 30));
        Assert.False(DeliveryFindings.Relays(message));
    }

    [Fact]
    public void With_several_recipients_each_gets_its_own_line()
    {
        var message = FromRelay(Delivery("delivered", reply: "250 2.0.0 Ok"), Delivery("bounced", "gone@example.com", reply: "550 5.1.1 no such user"));

        var findings = DeliveryFindings.For(message, 30).ToList();

        Assert.Equal([Severity.Pass, Severity.Fail], findings.Select(f => f.Severity));
        Assert.StartsWith("bob@example.com: the relay delivered it to localhost[127.0.0.1:2526]", findings[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("not delivered to gone@example.com: bounced", findings[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("queued", false)]
    [InlineData("deferred", false)]
    [InlineData("delivered", true)]
    [InlineData("bounced", true)]
    [InlineData("expired", true)]
    public void Only_queued_and_deferred_recipients_are_worth_waiting_for(string state, bool settled)
    {
        var message = FromRelay(Delivery("delivered", "carol@example.com", reply: "250 2.0.0 Ok"), Delivery(state, reply: "451 4.3.0 later"));

        Assert.True(DeliveryFindings.Relays(message));
        Assert.Equal(settled, DeliveryFindings.Settled(message));
    }
}
