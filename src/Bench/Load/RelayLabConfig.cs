using System.Globalization;
using System.Net;
using System.Text;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The configuration the bench gives a relay it starts: one account registering all of 127.0.0.0/8
/// for the sender domain, verification on with a lab zone (SPF covering loopback and the egress
/// address, DMARC p=reject, the bench's DKIM key when the message is signed) and live DNS off, so
/// every check runs and none waits for the network.
/// </summary>
public static class RelayLabConfig
{
    /// <summary>The relay's egress address in the lab (documentation range).</summary>
    public const string EgressAddress = "198.51.100.25";

    /// <summary>Writes relay.json and bench.zone into <paramref name="folder"/>; returns the relay's arguments.</summary>
    /// <param name="folder">Where the files go (the data folder is its <c>data</c> subfolder).</param>
    /// <param name="options">Endpoints, sender domain, next hop.</param>
    /// <param name="message">The bench message (its DKIM key's record goes in the zone).</param>
    /// <param name="outboundServers">The account's registered addresses (default all of 127.0.0.0/8).</param>
    public static IReadOnlyList<string> Write(string folder, LoadOptions options, BenchMessage message, IReadOnlyList<string>? outboundServers = null)
    {
        var domain = options.SenderDomain;
        var zone = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"$ORIGIN {domain}.\n$TTL 3600\n")
            .Append(CultureInfo.InvariantCulture, $"@ IN SOA ns.{domain}. hostmaster.{domain}. 1 3600 600 86400 300\n")
            .Append(CultureInfo.InvariantCulture, $"@ IN TXT \"v=spf1 ip4:127.0.0.0/8 ip4:{EgressAddress} -all\"\n")
            .Append("_dmarc IN TXT \"v=DMARC1; p=reject; adkim=r; aspf=r\"\n");
        if (message.DkimTxtRecord is { } txt)
            zone.Append(CultureInfo.InvariantCulture, $"{BenchMessage.Selector}._domainkey IN TXT {string.Join(' ', txt.Chunk(250).Select(c => "\"" + new string(c) + "\""))}\n");
        zone.Append("$ORIGIN smarthostlab.test.\n@ IN SOA ns.smarthostlab.test. hostmaster.smarthostlab.test. 1 3600 600 86400 300\n")
            .Append("bench IN TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n");
        var zonePath = Path.Combine(folder, "bench.zone");
        File.WriteAllText(zonePath, zone.ToString());

        var config = $$"""
            {
              "Accounts": [ { "Name": "bench", "OutboundServers": [ {{string.Join(", ", (outboundServers ?? ["127.0.0.0/8"]).Select(s => "\"" + s + "\""))}} ], "Domains": [ "{{domain}}" ] } ],
              "Verification": {
                "EgressAddresses": [ "{{EgressAddress}}" ],
                "AuthServId": "relay.smarthostlab.test",
                "Zones": [ "{{zonePath}}" ],
                "Dns": { "Offline": true }
              },
              "Smtp": { "HostName": "relay.smarthostlab.test", "MaxConnections": 10000, "MaxConnectionsPerIp": 10000 }
            }
            """;
        var configPath = Path.Combine(folder, "relay.json");
        File.WriteAllText(configPath, config);
        string[] delivery = options.NextHop is { } hop
            ? ["--Delivery:Mode=NextHop", $"--Delivery:NextHop={hop}", "--Delivery:Tls=None"]
            : [];
        return
        [
            "--smtp", options.Target.ToString(),
            "--http", (options.Http ?? new IPEndPoint(options.Target.Address, 0)).ToString(),
            "--data", Path.Combine(folder, "data"),
            "--config", configPath,
            "--Logging:LogLevel:Default=Warning",
            .. delivery,
        ];
    }
}
