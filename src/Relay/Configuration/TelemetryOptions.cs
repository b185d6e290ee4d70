namespace SmarthostLab.Relay.Configuration;

/// <summary>The <c>Telemetry</c> section: where metrics go besides <c>GET /metrics</c> (issue 17).</summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Telemetry";

    /// <summary>OTLP export of the same metrics (off when <see cref="OtlpOptions.Endpoint"/> is empty).</summary>
    public OtlpOptions Otlp { get; set; } = new();
}

/// <summary>OTLP metric export (<c>Telemetry:Otlp</c>).</summary>
public sealed class OtlpOptions
{
    /// <summary>Collector endpoint, e.g. <c>http://127.0.0.1:4317</c> (gRPC) or <c>http://127.0.0.1:4318/v1/metrics</c> (HTTP). Empty: no OTLP export.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>Grpc</c> (default) or <c>HttpProtobuf</c>.</summary>
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>How often metrics are pushed. Default 15 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>OTLP transport.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (port 4317 by convention).</summary>
    Grpc,
    /// <summary>OTLP over HTTP with protobuf bodies (port 4318, path /v1/metrics).</summary>
    HttpProtobuf,
}

/// <summary>Validates the <c>Telemetry</c> section.</summary>
public sealed class TelemetryOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<TelemetryOptions>
{
    /// <inheritdoc />
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = new List<string>();
        var endpoint = options.Otlp.Endpoint;
        if (!string.IsNullOrWhiteSpace(endpoint)
            && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            errors.Add($"Telemetry:Otlp:Endpoint: '{endpoint}' is not an http:// or https:// URL such as http://127.0.0.1:4317");
        OptionChecks.Positive(errors, "Telemetry:Otlp:Interval", options.Otlp.Interval);
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
