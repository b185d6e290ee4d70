using System.Net;
using YamlDotNet.RepresentationModel;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>One test of the RFC 7208 suite.</summary>
internal sealed record Rfc7208Case(
    string Scenario,
    string Name,
    string Helo,
    string Host,
    string MailFrom,
    IReadOnlyList<string> Results,
    string? Explanation,
    YamlMappingNode? Zone)
{
    public string Id => $"{Scenario}/{Name}";

    /// <summary>Runs the case; returns null when it passes, else what went wrong.</summary>
    public async Task<string?> RunAsync()
    {
        var evaluator = new SmarthostLab.Verification.Spf.SpfEvaluator(Rfc7208Suite.BuildResolver(Zone));
        var verdict = await evaluator.CheckMailFromAsync(IPAddress.Parse(Host), MailFrom, Helo);
        var word = System.Text.Json.JsonSerializer.Serialize(verdict.Result).Trim('"');
        if (!Results.Contains(word))
        {
            return $"{Id}: got {word} ({verdict.Reason}), expected {string.Join(" or ", Results)}";
        }

        if (Explanation is not null && word == "fail")
        {
            var expected = Explanation == "DEFAULT" ? null : Explanation;
            // Hex digits of %{i} for IPv6 are written lower case (as in RFC 7208 7.4's example); the
            // suite's expected text keeps the upper case its test input was written in, so compare
            // explanations without regard to case.
            if (!string.Equals(verdict.Explanation, expected, StringComparison.OrdinalIgnoreCase))
            {
                return $"{Id}: explanation '{verdict.Explanation}', expected '{expected}'";
            }
        }

        return null;
    }
}
