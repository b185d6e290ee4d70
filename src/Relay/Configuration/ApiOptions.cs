namespace SmarthostLab.Relay.Configuration;

/// <summary>The <c>Api</c> configuration section: the HTTP endpoint and its tokens.</summary>
public sealed class ApiOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Api";

    /// <summary>HTTP endpoint, HOST:PORT (port 0 = any free port). Default 127.0.0.1:8025.</summary>
    public string Listen { get; set; } = "127.0.0.1:8025";

    /// <summary>Bearer token of the admin routes; empty = admin routes off (404).</summary>
    public string? AdminToken { get; set; }

    /// <summary>Bearer token required on read routes from non-loopback clients; empty = read routes open.</summary>
    public string? ReadToken { get; set; }

    /// <summary>Longest <c>timeout</c> a <c>/api/v1/wait</c> call may ask for. Default 5 minutes.</summary>
    public TimeSpan MaxWaitTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
