using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using SmarthostLab.Verification.AuthResults;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Tests.Support;
using Xunit.Abstractions;

namespace SmarthostLab.Verification.Tests.Dmarc;

/// <summary>
/// End-to-end cases from fastmail/authentication_milter (data/dmarc/authentication-milter): each
/// transcript's XFORWARD ADDR/HELO, MAIL FROM and message go through <see cref="MessageVerifier"/>
/// with no egress address configured (so SPF, and DMARC's SPF, are for the client IP, as the milter
/// does), DNS from its zonefile; dmarc, spf and dkim must match the expected Authentication-Results.
/// </summary>
public sealed partial class AuthenticationMilterTests(ITestOutputHelper output)
{
    private static readonly string Folder = TestData.Path("dmarc", "authentication-milter");

    /// <summary>Cases whose expected results depend on the milter's configuration, not on the RFCs.</summary>
    private static readonly (string Pattern, string Reason)[] Skips =
    [
        ("_wl", "whitelist configuration"),
        ("whitelisted", "whitelist configuration"),
        ("dryrun", "dry-run configuration"),
        (".local", "local-IP skip configuration"),
        (".trusted", "trusted-IP skip configuration"),
        ("hide_none", "hide-none configuration"),
        ("sanitize", "header sanitizing configuration"),
        ("_map", "IP/host mapping configuration (XFORWARD address is rewritten by the milter)"),
    ];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Folder, "smtp-transcripts"), "*.smtp.eml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Transcript_results_match(string file)
    {
        var skip = Skips.FirstOrDefault(s => file.Contains(s.Pattern, StringComparison.Ordinal));
        if (skip.Pattern is not null)
        {
            output.WriteLine($"SKIP {file}: {skip.Reason}");
            return;
        }

        var dns = BindZone.Load(Path.Combine(Folder, "zonefile"));
        var verifier = new MessageVerifier(dns, new VerificationOptions { AuthServId = "server.example.com" }, PublicSuffixList.Embedded, new FixedTime(1_500_000_000));
        var checkedAny = false;
        foreach (var tx in Transactions(File.ReadAllText(Path.Combine(Folder, "smtp-transcripts", file))))
        {
            var result = await verifier.VerifyAsync(IPAddress.Parse(tx.Addr), tx.Helo, tx.MailFrom, tx.Message);
            output.WriteLine($"{file}: dmarc={result.Dmarc.Result} ({result.Dmarc.Reason}) spf={result.Spf.Result} dkim=[{string.Join(",", result.Dkim.Select(d => $"{d.Result}:{d.Reason}"))}]");
            output.WriteLine($"  expected dmarc={tx.Dmarc} spf={tx.Spf} dkim=[{string.Join(",", tx.Dkim)}]");
            if (tx.Dmarc is not null)
            {
                Assert.Equal(tx.Dmarc, Word(result.Dmarc.Result));
                checkedAny = true;
            }

            if (tx.Disposition is not null)
            {
                // The milter's evaluated disposition is before its local overrides; pct is 100 in these records.
                Assert.Equal(tx.Disposition, result.Dmarc.Disposition);
            }

            if (tx.Spf is not null)
            {
                Assert.Equal(tx.Spf, Word(result.Spf.Result));
            }

            if (tx.Dkim.Count > 0)
            {
                var actual = result.Dkim.Count == 0 ? ["none"] : result.Dkim.Select(d => AuthenticationResultsHeader.Word(d.Result)).Order().ToList();
                Assert.Equal(tx.Dkim.Order().ToList(), actual);
            }
        }

        output.WriteLine(checkedAny ? "dmarc checked" : "no dmarc expectation");
    }

    private static string Word(DmarcResult r) => AuthenticationResultsHeader.Word(r);

    private static string Word(SpfResult r) => AuthenticationResultsHeader.Word(r);

    private sealed record Transaction(string Addr, string Helo, string MailFrom, byte[] Message, string? Dmarc, string? Spf, List<string> Dkim, string? Disposition);

    private static IEnumerable<Transaction> Transactions(string transcript)
    {
        var lines = transcript.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string addr = "127.0.0.1", helo = "localhost", mailFrom = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("XFORWARD ADDR=", StringComparison.Ordinal))
            {
                addr = line["XFORWARD ADDR=".Length..].Trim();
            }
            else if (line.StartsWith("XFORWARD HELO=", StringComparison.Ordinal))
            {
                helo = line["XFORWARD HELO=".Length..].Trim();
            }
            else if (line.StartsWith("MAIL FROM:", StringComparison.Ordinal))
            {
                mailFrom = line["MAIL FROM:".Length..].Trim().Trim('<', '>');
            }
            else if (line == "DATA")
            {
                var data = new List<string>();
                for (i++; i < lines.Length && lines[i] != "."; i++)
                {
                    data.Add(lines[i].StartsWith("..", StringComparison.Ordinal) ? lines[i][1..] : lines[i]);
                }

                yield return ToTransaction(addr, helo, mailFrom, data);
            }
        }
    }

    /// <summary>Separates the milter's added header fields (expected results) from the original message.</summary>
    private static Transaction ToTransaction(string addr, string helo, string mailFrom, List<string> data)
    {
        var fields = new List<List<string>>();
        var bodyStart = data.Count;
        for (var i = 0; i < data.Count; i++)
        {
            if (data[i].Length == 0)
            {
                bodyStart = i;
                break;
            }

            if (data[i].StartsWith(' ') || data[i].StartsWith('\t'))
            {
                fields[^1].Add(data[i]);
            }
            else
            {
                fields.Add([data[i]]);
            }
        }

        string? expected = null;
        var kept = new List<string>();
        var seenOriginal = false;
        foreach (var field in fields)
        {
            var first = field[0];
            var added = !seenOriginal && (first.StartsWith("Received: from test.module", StringComparison.Ordinal)
                || first.StartsWith("############", StringComparison.Ordinal)
                || first.StartsWith("Authentication-Results: server.example.com", StringComparison.Ordinal)
                || first.StartsWith("X-Disposition-Quarantine:", StringComparison.Ordinal)
                || first.StartsWith("Received-SPF:", StringComparison.Ordinal));
            if (added)
            {
                if (first.StartsWith("Authentication-Results:", StringComparison.Ordinal))
                {
                    expected = string.Join(" ", field);
                }

                continue;
            }

            seenOriginal = true;
            kept.AddRange(field);
        }

        kept.AddRange(data.Skip(bodyStart));
        var message = Encoding.UTF8.GetBytes(string.Join("\r\n", kept) + "\r\n");
        var dmarc = expected is null ? null : DmarcWord().Match(expected) is { Success: true } d ? d.Groups[1].Value : null;
        var spf = expected is null ? null : SpfWord().Match(expected) is { Success: true } s ? s.Groups[1].Value : null;
        var dkim = expected is null ? [] : DkimWord().Matches(expected).Select(m => m.Groups[1].Value).ToList();
        var disposition = expected is null ? null : DispositionWord().Match(expected) is { Success: true } e ? e.Groups[1].Value : null;
        return new Transaction(addr, helo, mailFrom, message, dmarc, spf, dkim, disposition);
    }

    [GeneratedRegex(@"(?<![-\w])dmarc=(\w+)")]
    private static partial Regex DmarcWord();

    [GeneratedRegex(@"policy\.evaluated-disposition=(\w+)")]
    private static partial Regex DispositionWord();

    [GeneratedRegex(@"(?<![-\w])spf=(\w+)")]
    private static partial Regex SpfWord();

    [GeneratedRegex(@"(?<![-\w])dkim=(\w+)")]
    private static partial Regex DkimWord();
}
