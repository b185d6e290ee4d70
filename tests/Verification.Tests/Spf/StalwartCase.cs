using System.Net;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>One Stalwart expectation.</summary>
internal sealed record StalwartCase(string Id, string Scenario, IReadOnlyList<string> Records, string Helo, string Sender, string Ip, string Expect, string? Explanation)
{
    public async Task<string?> RunAsync()
    {
        var inner = StalwartSuite.BuildResolver(Records);
        var dns = new ErrorNameResolver(inner);
        if (!IPAddress.TryParse(Ip, out var ip))
        {
            return $"{Id}: bad test data, ip '{Ip}'";
        }

        var evaluator = new SmarthostLab.Verification.Spf.SpfEvaluator(dns);

        // The "HELO identity" scenario checks the HELO name (RFC 7208 2.3), not MAIL FROM.
        var verdict = Scenario == "HELO identity"
            ? await evaluator.CheckHeloAsync(ip, Helo)
            : await evaluator.CheckMailFromAsync(ip, Sender, Helo);
        var word = System.Text.Json.JsonSerializer.Serialize(verdict.Result).Trim('"');
        if (StalwartSuite.Deviations.TryGetValue(Id, out var deviation))
        {
            return word == deviation.Result ? null : $"{Id}: got {word} ({verdict.Reason}), expected the RFC 7208 result {deviation.Result}";
        }

        if (word != Expect)
        {
            return $"{Id}: got {word} ({verdict.Reason}), expected {Expect}";
        }

        if (Explanation is not null && verdict.Explanation != Explanation)
        {
            return $"{Id}: explanation '{verdict.Explanation}', expected '{Explanation}'";
        }

        return null;
    }

    /// <summary>Names containing "_dns_error" fail with SERVFAIL, as the suite's harness does.</summary>
    private sealed class ErrorNameResolver(SmarthostLab.Verification.Dns.IDnsResolver inner) : SmarthostLab.Verification.Dns.IDnsResolver
    {
        public ValueTask<SmarthostLab.Verification.Dns.DnsAnswer> QueryAsync(string name, SmarthostLab.Verification.Dns.DnsRecordType type, CancellationToken cancellationToken = default)
            => name.Contains("_dns_error", StringComparison.OrdinalIgnoreCase)
                ? ValueTask.FromResult(new SmarthostLab.Verification.Dns.DnsAnswer(SmarthostLab.Verification.Dns.DnsStatus.ServerFailure, []))
                : inner.QueryAsync(name, type, cancellationToken);
    }
}
