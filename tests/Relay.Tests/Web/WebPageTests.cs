using System.Net;
using System.Text.RegularExpressions;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Relay.Web;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Web;

/// <summary>The page's files as served (issue 15): content types, the security headers, ETags; and what the files may not do.</summary>
public sealed class WebPageTests
{
    [Fact]
    public async Task The_page_is_served_at_the_root_with_a_strict_policy()
    {
        await using var relay = await TestRelay.StartAsync();
        using var response = await relay.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Contains("<script type=\"module\" src=\"/assets/app.js\"></script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/assets/app.js", "text/javascript")]
    [InlineData("/assets/messages.js", "text/javascript")]
    [InlineData("/assets/app.css", "text/css")]
    [InlineData("/assets/icon.svg", "image/svg+xml")]
    public async Task Each_file_has_its_type_and_an_etag_that_answers_304(string path, string type)
    {
        await using var relay = await TestRelay.StartAsync();
        using var response = await relay.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        var etag = response.Headers.ETag ?? throw new InvalidOperationException("no ETag");
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag);
        using var cached = await relay.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Empty(await cached.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/assets/nothing.js")]
    [InlineData("/assets/index.html")]
    [InlineData("/assets/..%2Frelay.db")]
    public async Task Anything_else_is_404(string path)
    {
        await using var relay = await TestRelay.StartAsync();
        using var response = await relay.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The shipped files: no inline script or style, no HTML parsing of data, no eval, nothing remote.</summary>
    [Fact]
    public void The_page_never_parses_data_as_HTML_and_loads_nothing_remote()
    {
        var assets = new WebAssets();
        Assert.Contains("index.html", assets.Names);
        Assert.Contains("app.js", assets.Names);
        foreach (var name in assets.Names)
        {
            var text = System.Text.Encoding.UTF8.GetString(assets.Find(name)!.Bytes);
            foreach (var forbidden in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "http://", "https://" })
            {
                if (name == "icon.svg" && forbidden == "http://") continue; // its xmlns
                Assert.False(text.Contains(forbidden, StringComparison.Ordinal), $"{name} contains {forbidden}");
            }
            if (name.EndsWith(".html", StringComparison.Ordinal))
            {
                Assert.DoesNotMatch(new Regex("<script(?![^>]*\\bsrc=)", RegexOptions.IgnoreCase), text);
                Assert.DoesNotMatch(new Regex("<style|\\sstyle=|\\son[a-z]+=", RegexOptions.IgnoreCase), text);
            }
        }
        // Every shipped file is in the source folder, and every source file ships.
        var folder = Path.Combine(RepositoryFiles.Root(), "src", "Relay", "Web", "wwwroot");
        Assert.Equal(Directory.GetFiles(folder).Select(Path.GetFileName).Order(), assets.Names.Order());
    }
}
