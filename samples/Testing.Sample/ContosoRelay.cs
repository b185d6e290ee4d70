using SmarthostLab.Testing;

namespace Testing.Sample;

/// <summary>
/// One relay for the test class (xunit's class fixture): the account contoso, whose outbound server is 127.0.0.2, and
/// the DNS the checks read, given as zone text. The relay signs contoso.test's mail with a key it makes and publishes.
/// </summary>
public sealed class ContosoRelay : IAsyncLifetime
{
    public const string Zone = """
        $TTL 300
        $ORIGIN contoso.test.
        @       IN TXT "v=spf1 ip4:127.0.0.2 -all"
        _dmarc  IN TXT "v=DMARC1; p=reject"
        $ORIGIN fabrikam.test.
        @       IN TXT "v=spf1 -all"
        _dmarc  IN TXT "v=DMARC1; p=none"
        """;

    public SmarthostRelay Relay { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Relay = await SmarthostRelay.StartAsync(o => o
            .Account("contoso", servers: ["127.0.0.2"], domains: ["contoso.test"])
            .Zone(Zone)
            .DkimKey("contoso", "contoso.test", selector: "s1"));

    public async Task DisposeAsync() => await Relay.DisposeAsync();
}
