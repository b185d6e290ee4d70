using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmarthostLab.Relay.Web;

/// <summary>Source-generated JSON of the web page's own routes (camelCase, as the rest of the API).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MessageParts))]
internal sealed partial class WebJsonContext : JsonSerializerContext
{
    /// <summary>The context with the API's options (relaxed escaping: "&lt;id@host&gt;" stays readable).</summary>
    public static WebJsonContext Api { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
