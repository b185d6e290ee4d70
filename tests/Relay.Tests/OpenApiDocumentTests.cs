using System.Text.Json;
using System.Text.Json.Nodes;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// Issue 17: the OpenAPI document the relay serves is the contract CI users generate clients from; docs/openapi.json is
/// its copy in the repository, and this test fails when they differ (set SMARTHOSTLAB_UPDATE_OPENAPI=1 to rewrite the copy).
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string CopyPath = Path.Combine(RepositoryFiles.Root(), "docs", "openapi.json");

    [Fact]
    public async Task The_served_document_is_the_copy_in_docs_and_describes_the_contract()
    {
        await using var relay = await TestRelay.StartAsync();
        var served = JsonNode.Parse(await relay.Http.GetStringAsync("/openapi/v1.json"))!;
        var text = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("SMARTHOSTLAB_UPDATE_OPENAPI") == "1") await File.WriteAllTextAsync(CopyPath, text);

        Assert.True(File.Exists(CopyPath), $"{CopyPath} is missing; run this test with SMARTHOSTLAB_UPDATE_OPENAPI=1 to write it");
        var copy = JsonNode.Parse(await File.ReadAllTextAsync(CopyPath))!;
        Assert.True(JsonNode.DeepEquals(served, copy),
            "the relay's /openapi/v1.json differs from docs/openapi.json: the API changed; review the change and run this test "
            + "with SMARTHOSTLAB_UPDATE_OPENAPI=1 to update the copy");

        // What a client generator needs: the schemas of the contract and the answers of the routes CI jobs use.
        var schemas = served["components"]!["schemas"]!.AsObject();
        foreach (var name in new[] { "MessageResponse", "Verdict", "RefusalResponse", "AccountResponse", "ErrorResponse", "DeliveryResponse", "InfoResponse" })
            Assert.True(schemas.ContainsKey(name), $"schema {name} is missing");
        Assert.Equal("#/components/schemas/Verdict", (string?)schemas["MessageResponse"]!["properties"]!["verdict"]!["$ref"]);
        var wait = served["paths"]!["/api/v1/wait"]!["get"]!;
        Assert.Equal("#/components/schemas/MessageResponse", (string?)wait["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/ErrorResponse", (string?)wait["responses"]!["404"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Contains(wait["parameters"]!.AsArray(), p => (string?)p!["name"] == "token");
        Assert.Null(served["paths"]!["/"]); // the web page is not API
    }
}
