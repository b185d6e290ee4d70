using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmarthostLab.Relay.Api;

/// <summary>The API's JSON context: web defaults (camelCase) with relaxed escaping, so "&lt;id@host&gt;" stays readable.</summary>
public static class RelayJson
{
    /// <summary>The source-generated context with the API's options.</summary>
    public static RelayJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
