using System.Net;
using System.Text;
using System.Text.Json;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Faults;

/// <summary>The fault API as a user drives it (JSON text with the admin token) and the raw SMTP steps the fault tests share.</summary>
internal static class FaultLab
{
    /// <summary>POSTs <paramref name="json"/> to /api/v1/faults with the admin token.</summary>
    public static async Task<HttpResponseMessage> PostAsync(TestRelay relay, string json)
    {
        var request = relay.Admin(HttpMethod.Post, "/api/v1/faults");
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await relay.Http.SendAsync(request);
    }

    /// <summary>POSTs a rule that must be accepted (201).</summary>
    public static async Task AddAsync(TestRelay relay, string json)
    {
        using var response = await PostAsync(relay, json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>DELETEs one rule (or all with null) with the admin token.</summary>
    public static async Task<HttpResponseMessage> DeleteAsync(TestRelay relay, string? name) =>
        await relay.Http.SendAsync(relay.Admin(HttpMethod.Delete, name is null ? "/api/v1/faults" : "/api/v1/faults/" + name));

    /// <summary>GET /api/v1/faults.</summary>
    public static async Task<JsonElement> RulesAsync(TestRelay relay) =>
        JsonDocument.Parse(await relay.Http.GetStringAsync("/api/v1/faults")).RootElement.GetProperty("rules").Clone();

    /// <summary>The listed rule named <paramref name="name"/>.</summary>
    public static async Task<JsonElement> RuleAsync(TestRelay relay, string name) =>
        (await RulesAsync(relay)).EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    /// <summary>A registered client past the greeting and EHLO.</summary>
    public static async Task<RawSmtpClient> ConnectAsync(TestRelay relay)
    {
        var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
        return client;
    }

    /// <summary>A whole transaction from the registered address; the final reply (or the first refusal).</summary>
    public static async Task<string> SendAsync(TestRelay relay, string subject, string recipient = "bob@example.com", string headers = "")
    {
        await using var client = await ConnectAsync(relay);
        var mail = await client.CommandAsync("MAIL FROM:<alice@contoso.test>");
        if (!mail.StartsWith("250", StringComparison.Ordinal)) return mail;
        var rcpt = await client.CommandAsync($"RCPT TO:<{recipient}>");
        if (!rcpt.StartsWith("250", StringComparison.Ordinal)) return rcpt;
        var data = await client.CommandAsync("DATA");
        if (!data.StartsWith("354", StringComparison.Ordinal)) return data;
        return await client.CommandAsync($"Subject: {subject}\r\n{headers}From: alice@contoso.test\r\n\r\nHello.\r\n.");
    }

    /// <summary>The refusals recorded with reason <c>fault:<paramref name="rule"/></c>.</summary>
    public static async Task<List<SmarthostLab.Contracts.RefusalResponse>> RefusalsOfAsync(TestRelay relay, string rule) =>
        [.. (await relay.RefusalsAsync()).Refusals.Where(r => r.Reason == "fault:" + rule)];
}
