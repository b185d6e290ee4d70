using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmarthostLab.Contracts;

/// <summary>The API's JSON: web defaults (camelCase) with relaxed escaping, so "&lt;id@host&gt;" stays readable.</summary>
public static class ApiJson
{
    /// <summary>The source-generated context with the API's options, for writing and reading the API's JSON.</summary>
    public static ApiJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
