using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// The token index's signatures (issue 16): a token that LIKE would find in a message is always a candidate (never a
/// miss), one that is not there rarely is, and the index keeps the newest rows, leaving older ones to the scan.
/// </summary>
public sealed class TokenSignatureTests
{
    private const string Subject = "Quarterly figures for the board";
    private const string MessageId = "<20261123110700.4f1c@mail.contoso.test>";
    private const string Headers =
        "Authentication-Results: smarthost.test; spf=pass smtp.mailfrom=contoso.test; dkim=pass header.d=contoso.test\n" +
        "Received: from exchange.contoso.test (unknown [127.0.0.2]) by smarthost.test (SmarthostLab) with ESMTP id 01JD3X4Y5Z6A7B8C9D0E1F2G3H\n" +
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=contoso.test; s=s1; h=from:to:subject:date:message-id; " +
        "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR\n" +
        "From: Alice <alice@contoso.test>\nTo: Bob <bob@example.com>\nSubject: Quarterly figures for the board\n" +
        "Date: Mon, 23 Nov 2026 11:07:00 +0000\nMessage-ID: <20261123110700.4f1c@mail.contoso.test>\n" +
        "X-SmarthostLab-Token: shl-8d2f0a6b9c1e4f7a3b5d\nX-Grüße: aus Köln, Straße 5\n";

    [Fact]
    public void Every_substring_of_eight_characters_or_more_in_any_ASCII_case_is_a_candidate()
    {
        var signature = TokenSignature.Of(Subject, MessageId, Headers);
        var random = new Random(16);
        foreach (var text in new[] { Subject, MessageId, Headers })
        {
            for (var start = 0; start < text.Length; start++)
            {
                for (var length = TokenSignature.MinTokenLength; length <= 40 && start + length <= text.Length; length++)
                {
                    var token = new string([.. text.Substring(start, length).Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c)]);
                    if (!token.Equals(text.Substring(start, length), StringComparison.OrdinalIgnoreCase)) continue;
                    // Only ASCII letters fold, as in SQLite's LIKE: keep the other characters as they are.
                    token = new string([.. token.Select((c, i) => char.IsAscii(c) ? c : text[start + i])]);
                    Assert.True(TokenSignature.MayContain(signature, TokenSignature.QueryOf(token)!), token);
                }
            }
        }
    }

    [Fact]
    public void Tokens_under_eight_characters_cannot_be_looked_up()
    {
        Assert.Null(TokenSignature.QueryOf("shl-8d2"));
        Assert.NotNull(TokenSignature.QueryOf("shl-8d2f"));
    }

    [Fact]
    public void Probe_tokens_a_message_does_not_carry_are_rarely_candidates()
    {
        var signature = TokenSignature.Of(Subject, MessageId, Headers);
        var random = new Random(3);
        var candidates = Enumerable.Range(0, 10_000)
            .Select(_ => "shl-" + Convert.ToHexStringLower(random.GetItems<byte>([.. Enumerable.Range(0, 256).Select(b => (byte)b)], 10)))
            .Count(token => TokenSignature.MayContain(signature, TokenSignature.QueryOf(token)!));
        Assert.InRange(candidates, 0, 100); // ≤ 1 %: the rest of a 100,000-message store is never read
    }

    [Fact]
    public void Past_its_capacity_the_index_drops_the_oldest_entries_and_raises_the_floor_below_which_rows_are_scanned()
    {
        var index = new TokenIndex(capacity: 1024).ForLoading(floor: 0);
        for (long seq = 1; seq <= 5000; seq++) index.Add(seq, SignatureOf(seq));

        Assert.InRange(index.Count, 1024, 2047);
        var floor = index.Floor;
        Assert.InRange(floor, 2, 5000 - 1024 + 1);
        foreach (var seq in new[] { floor, 4000, 5000 })
        {
            var (seqs, queryFloor) = index.Find(TokenOf(seq))!.Value;
            Assert.Contains(seq, seqs);
            Assert.Equal(floor, queryFloor);
        }
        Assert.DoesNotContain(1L, index.Find(TokenOf(1))!.Value.Seqs);
    }

    [Fact]
    public void The_rows_stored_before_the_start_are_searched_by_scan_until_loaded_then_found_in_front_of_the_new_ones()
    {
        var index = new TokenIndex(capacity: 4096);
        for (long seq = 1001; seq <= 1100; seq++) index.Add(seq, SignatureOf(seq)); // the writer, while the load runs
        Assert.Null(index.Find(TokenOf(1050)));

        var loaded = index.ForLoading(floor: 500); // the newest rows up to the capacity: older ones are scanned
        for (long seq = 500; seq <= 1000; seq++) loaded.Add(seq, SignatureOf(seq));
        index.Prepend(loaded);

        foreach (var seq in new long[] { 500, 700, 1000, 1050, 1100 })
        {
            var (seqs, floor) = index.Find(TokenOf(seq))!.Value;
            Assert.Contains(seq, seqs);
            Assert.Equal(500, floor);
        }
        Assert.Equal(601, index.Count);
    }

    private static string TokenOf(long seq) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(seq)))[..20];

    private static ulong[] SignatureOf(long seq) => TokenSignature.Of(null, null, $"X-Token: shl-{TokenOf(seq)}");
}
