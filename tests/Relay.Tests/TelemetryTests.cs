using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Relay.Tests.Verification;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// Issue 17's metrics through OpenTelemetry: the verdict counters, the series names that existed before the exporter
/// changed, a relay's /metrics holding only its own instruments when several run in one process, and the OTLP switch.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Verdicts_are_counted_by_check_and_result()
    {
        await using var lab = await VerificationLab.StartAsync();
        Assert.StartsWith("250", await lab.SendRawAsync("alice@contoso.test", VerificationLab.Message("alice@contoso.test", "counted")));
        Assert.StartsWith("250", await lab.SendRawAsync("alice@contoso.test", VerificationLab.Message("alice@contoso.test", "counted again")));
        var metrics = await lab.Relay.Http.GetStringAsync("/metrics");
        Assert.Equal(2, PrometheusText.Sum(metrics, "smarthostlab_relay_verdicts_total{check=\"spf\",result=\"pass\"}"));
        Assert.Equal(2, PrometheusText.Sum(metrics, "smarthostlab_relay_verdicts_total{check=\"dkim\",result=\"pass\"}"));
        Assert.Equal(2, PrometheusText.Sum(metrics, "smarthostlab_relay_verdicts_total{check=\"dmarc\",result=\"pass\"}"));
        Assert.Equal(2, PrometheusText.Sum(metrics, "smarthostlab_relay_verdicts_total{check=\"action\",result=\"accept\"}"));
        Assert.Equal(2, PrometheusText.Sum(metrics, "smarthostlab_relay_verdicts_total{check=\"spf\"}"));
    }

    [Fact]
    public async Task Two_relays_in_one_process_each_export_only_their_own_counts_under_the_names_they_always_had()
    {
        await using var first = await TestRelay.StartAsync();
        await using var second = await TestRelay.StartAsync();
        Assert.Contains("Ok: queued as", await Mail.SendAsync(first.Smtp, TestRelay.Registered, Mail.Message("one")));
        var text = await first.Http.GetStringAsync("/metrics");
        // The old exporter's spelling of the series: names, units and label sets unchanged (no scope label).
        Assert.Contains("# TYPE smarthostlab_relay_messages_stored_total counter", text);
        Assert.Contains("# TYPE smarthostlab_relay_bytes_stored_total counter", text);
        Assert.Contains("# TYPE smtp_bytes_received_total counter", text);
        Assert.DoesNotContain("otel_scope_name", text);
        Assert.Equal(1, PrometheusText.Sum(text, "smarthostlab_relay_messages_stored_total"));
        Assert.Equal(0, await second.MetricAsync("smarthostlab_relay_messages_stored_total"));
        Assert.Equal(0, await second.MetricAsync("smtp_commands_total{command=\"MAIL\"}"));
    }

    [Fact]
    public async Task An_OTLP_endpoint_is_taken_from_configuration_and_a_bad_one_stops_the_start_naming_the_key()
    {
        await using (var relay = await TestRelay.StartAsync("--Telemetry:Otlp:Endpoint=http://127.0.0.1:9/", "--Telemetry:Otlp:Protocol=HttpProtobuf"))
            Assert.Equal("ready", await relay.Http.GetStringAsync("/readyz"));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestRelay.StartAsync("--Telemetry:Otlp:Endpoint=not a url"));
        Assert.Contains("Telemetry:Otlp:Endpoint", error.Message);
    }

    [Fact]
    public void The_text_parser_reads_labels_escapes_empty_label_sets_and_timestamps()
    {
        const string text = """
            # TYPE a_total counter
            a_total{} 3
            b{x="1",y="q\"uote"} 2.5 1700000000000
            b{x="2"} 4
            c 7
            """;
        Assert.Equal(3, PrometheusText.Sum(text, "a_total"));
        Assert.Equal(6.5, PrometheusText.Sum(text, "b"));
        Assert.Equal(2.5, PrometheusText.Sum(text, "b{y=\"q\\\"uote\"}"));
        Assert.Equal(4, PrometheusText.Sum(text, "b", ("x", "2")));
        Assert.Equal(7, PrometheusText.Sum(text, "c"));
        Assert.Equal(0, PrometheusText.Sum(text, "d"));
    }
}
