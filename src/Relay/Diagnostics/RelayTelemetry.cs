using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Smtp.Server;

namespace SmarthostLab.Relay.Diagnostics;

/// <summary>
/// Metrics through OpenTelemetry (issue 17): the relay's and the SMTP layer's instruments, ASP.NET Core's HTTP server
/// and Kestrel meters, and the runtime's own (GC, thread pool, CPU time, working set: the built-in <c>System.Runtime</c>
/// meter), scraped at <c>GET /metrics</c> by the OpenTelemetry Prometheus exporter and, when
/// <c>Telemetry:Otlp:Endpoint</c> is set, pushed over OTLP.
/// </summary>
public static class RelayTelemetry
{
    /// <summary>Meters of other components exported with the relay's own.</summary>
    public static readonly string[] FrameworkMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>Registers the meter provider and its exporters.</summary>
    public static IServiceCollection AddRelayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>()?.Otlp ?? new OtlpOptions();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("smarthostlab-relay", serviceVersion: typeof(RelayTelemetry).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RelayMetrics.MeterName, SmtpMetrics.MeterName);
                metrics.AddMeter(FrameworkMeters);
                metrics.AddPrometheusExporter(o =>
                {
                    o.ScrapeResponseCacheDurationMilliseconds = 0; // a test or a bench reads what it just caused
                    o.ScopeInfoEnabled = false;                    // no otel_scope_name label: the series keep the label sets they always had
                });
                if (!string.IsNullOrWhiteSpace(otlp.Endpoint))
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = new Uri(otlp.Endpoint);
                        exporter.Protocol = otlp.Protocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.Interval.TotalMilliseconds;
                    });
                }
            });
        // Several relays may run in one process (tests, the bench): a meter made by another host's factory is not this
        // relay's. Meters without a factory (the runtime's) are the process's and kept.
        services.ConfigureOpenTelemetryMeterProvider((provider, builder) =>
        {
            var factory = provider.GetRequiredService<IMeterFactory>();
            builder.AddView(instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, factory) ? null : MetricStreamConfiguration.Drop);
        });
        return services;
    }

    /// <summary><c>GET /metrics</c> in the Prometheus text format, under the read routes' access rule.</summary>
    public static void MapRelayMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (ApiAccess.ReadDenial(http) is { } denial) await ApiAccess.WriteDenialAsync(http, denial).ConfigureAwait(false);
            else await next(http).ConfigureAwait(false);
        }), optionsName: null);
}
