using System.Collections.Frozen;
using System.Security.Cryptography;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// The page's files (src/Relay/Web/wwwroot), embedded in the relay's assembly and read once: their bytes, content type
/// and an ETag made of their hash. Nothing is fetched from elsewhere and nothing is built at run time.
/// </summary>
public sealed class WebAssets
{
    private const string Prefix = "SmarthostLab.Relay.Web.wwwroot.";

    private readonly FrozenDictionary<string, WebAsset> _assets;

    /// <summary>Reads every embedded file.</summary>
    public WebAssets()
    {
        var assembly = typeof(WebAssets).Assembly;
        var assets = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var name = resource[Prefix.Length..];
            if (ContentType(name) is not { } type) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            assets[name] = new WebAsset(name, bytes, type, etag);
        }
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The file named <paramref name="name"/> (e.g. app.js), or null.</summary>
    public WebAsset? Find(string name) => _assets.GetValueOrDefault(name);

    /// <summary>Every file's name.</summary>
    public IEnumerable<string> Names => _assets.Keys;

    /// <summary>The content type of the file kinds the page ships; null for any other.</summary>
    internal static string? ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => null,
    };
}

/// <summary>One file of the page.</summary>
/// <param name="Name">Its name, e.g. app.js.</param>
/// <param name="Bytes">Its bytes.</param>
/// <param name="ContentType">Its content type.</param>
/// <param name="ETag">A strong ETag (quoted), from its SHA-256.</param>
public sealed record WebAsset(string Name, byte[] Bytes, string ContentType, string ETag);
