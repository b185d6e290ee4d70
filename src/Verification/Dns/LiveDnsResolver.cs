using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmarthostLab.Verification.Dns;

/// <summary>
/// Live DNS through DnsClient's <see cref="LookupClient"/>: configured servers (IP or IP:port) or the
/// system's, timeout and retries from <see cref="DnsOptions"/>. Responses map to <see cref="DnsStatus"/>
/// (RCODE 3 → NXDOMAIN, other error RCODEs → ServerFailure, no answer in time → Timeout); it never
/// throws for DNS failures. TXT strings keep their raw octets (as Latin-1 chars, RFC 1035 3.3.14).
/// Negative answers carry the SOA-derived TTL (RFC 2308 5). DnsClient's own cache is off: caching is
/// <see cref="CachingDnsResolver"/>'s job.
/// </summary>
public sealed class LiveDnsResolver : IDnsResolver
{
    private readonly LookupClient? client;
    private readonly ILogger logger;

    /// <summary>Creates the resolver; with <see cref="DnsOptions.Offline"/> every query answers SERVFAIL.</summary>
    /// <exception cref="ArgumentException">A server in <see cref="DnsOptions.Servers"/> is not IP or IP:port.</exception>
    public LiveDnsResolver(DnsOptions options, ILogger<LiveDnsResolver>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        Offline = options.Offline;
        if (Offline)
        {
            return;
        }

        var servers = options.Servers.Select(ParseServer).ToArray();
        var lookupOptions = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        lookupOptions.Timeout = options.Timeout > TimeSpan.Zero ? options.Timeout : TimeSpan.FromSeconds(3);
        lookupOptions.Retries = Math.Max(0, options.Retries);
        lookupOptions.UseCache = false;
        lookupOptions.ThrowDnsErrors = false;
        lookupOptions.ContinueOnDnsError = false;
        lookupOptions.ContinueOnEmptyResponse = false;
        lookupOptions.UseTcpFallback = true;
        lookupOptions.Recursion = true;
        client = new LookupClient(lookupOptions);
        DnsLog.LiveConfigured(
            this.logger,
            servers.Length > 0 ? string.Join(", ", servers.Select(s => s.ToString())) : "the system's resolvers",
            lookupOptions.Timeout,
            lookupOptions.Retries);
    }

    /// <summary>True when live DNS is turned off.</summary>
    public bool Offline { get; }

    /// <summary>Parses "IP" or "IP:port" ("[v6]:port" for IPv6 with a port); port 53 by default.</summary>
    /// <exception cref="ArgumentException">Not an address.</exception>
    public static IPEndPoint ParseServer(string server)
    {
        var text = (server ?? string.Empty).Trim();
        if (IPEndPoint.TryParse(text, out var endpoint))
        {
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
        }

        throw new ArgumentException($"Verification:Dns:Servers: '{server}' is not an IP address or IP:port", nameof(server));
    }

    /// <inheritdoc/>
    public async ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        if (client is null)
        {
            return new DnsAnswer(DnsStatus.ServerFailure, []);
        }

        var queryName = name.EndsWith('.') ? name : name + ".";
        try
        {
            var response = await client.QueryAsync(queryName, ToQueryType(type), QueryClass.IN, cancellationToken).ConfigureAwait(false);
            return Map(response, type, name);
        }
        catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
        {
            DnsLog.QueryTimedOut(logger, type.ToString(), name);
            return new DnsAnswer(DnsStatus.Timeout, []);
        }
        catch (DnsResponseException e)
        {
            DnsLog.QueryFailed(logger, type.ToString(), name, e.Code.ToString());
            return new DnsAnswer(DnsStatus.ServerFailure, []);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            DnsLog.QueryTimedOut(logger, type.ToString(), name);
            return new DnsAnswer(DnsStatus.Timeout, []);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidOperationException or ArgumentException or DnsXidMismatchException)
        {
            DnsLog.QueryError(logger, type.ToString(), name, e);
            return new DnsAnswer(DnsStatus.ServerFailure, []);
        }
    }

    private DnsAnswer Map(IDnsQueryResponse response, DnsRecordType type, string name)
    {
        var code = response.Header.ResponseCode;
        if (code == DnsHeaderResponseCode.NotExistentDomain)
        {
            return DnsAnswer.NonExistent(NegativeTtl(response));
        }

        if (code != DnsHeaderResponseCode.NoError)
        {
            DnsLog.QueryFailed(logger, type.ToString(), name, code.ToString());
            return new DnsAnswer(DnsStatus.ServerFailure, []);
        }

        List<DnsRecord>? records = null;
        foreach (var rr in response.Answers)
        {
            var record = Convert(rr, type);
            if (record is not null)
            {
                (records ??= []).Add(record);
            }
        }

        return records is null ? DnsAnswer.NoData(NegativeTtl(response)) : new DnsAnswer(DnsStatus.NoError, records);
    }

    private static DnsRecord? Convert(DnsResourceRecord rr, DnsRecordType type)
    {
        var owner = Normalize(rr.DomainName.Value);
        var ttl = TimeSpan.FromSeconds(Math.Max(0, rr.TimeToLive));
        return (rr, type) switch
        {
            (ARecord a, DnsRecordType.A) => new DnsRecord(owner, type, ttl, Address: a.Address),
            (AaaaRecord a, DnsRecordType.AAAA) => new DnsRecord(owner, type, ttl, Address: a.Address),
            (MxRecord mx, DnsRecordType.MX) => new DnsRecord(owner, type, ttl, Host: Normalize(mx.Exchange.Value), Preference: mx.Preference),
            (TxtRecord txt, DnsRecordType.TXT) => new DnsRecord(owner, type, ttl, TextStrings: RawStrings(txt)),
            (PtrRecord ptr, DnsRecordType.PTR) => new DnsRecord(owner, type, ttl, Host: Normalize(ptr.PtrDomainName.Value)),
            (CNameRecord cname, DnsRecordType.CNAME) => new DnsRecord(owner, type, ttl, Host: Normalize(cname.CanonicalName.Value)),
            _ => null,
        };
    }

    /// <summary>RFC 2308 5: the negative TTL is the smaller of the SOA record's TTL and its MINIMUM field.</summary>
    private static TimeSpan NegativeTtl(IDnsQueryResponse response)
    {
        foreach (var rr in response.Authorities)
        {
            if (rr is SoaRecord soa)
            {
                return TimeSpan.FromSeconds(Math.Max(0, Math.Min(soa.TimeToLive, (long)soa.Minimum)));
            }
        }

        return TimeSpan.Zero;
    }

    /// <summary>
    /// DnsClient gives each TXT string twice: decoded as UTF-8 (lossy only for octets that are not
    /// UTF-8) and in an escaped form (\DDD for non-printable octets, \" for quotes, backslashes left bare). Valid
    /// UTF-8 is turned back into its octets; otherwise the escaped form's \DDD escapes are decoded.
    /// Either way the result holds one char per octet (Latin-1), as <see cref="DnsRecord.TextStrings"/> wants.
    /// </summary>
    private static string[] RawStrings(TxtRecord txt)
    {
        var decoded = txt.Text.ToArray();
        var escaped = txt.EscapedText.ToArray();
        var result = new string[decoded.Length];
        for (var i = 0; i < decoded.Length; i++)
        {
            var text = decoded[i];
            if (Ascii.IsValid(text))
            {
                result[i] = text;
            }
            else if (!text.Contains('\uFFFD') || i >= escaped.Length)
            {
                result[i] = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));
            }
            else
            {
                result[i] = UnescapeOctets(escaped[i]);
            }
        }

        return result;
    }

    /// <summary>Decodes \DDD and \" escapes; any other backslash is kept as it is (DnsClient leaves them bare).</summary>
    internal static string UnescapeOctets(string escaped)
    {
        if (!escaped.Contains('\\'))
        {
            return escaped;
        }

        var builder = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '\\' && i + 3 < escaped.Length
                && char.IsAsciiDigit(escaped[i + 1]) && char.IsAsciiDigit(escaped[i + 2]) && char.IsAsciiDigit(escaped[i + 3])
                && int.Parse(escaped.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture) is var value and <= 255)
            {
                builder.Append((char)value);
                i += 3;
                continue;
            }

            if (c == '\\' && i + 1 < escaped.Length && escaped[i + 1] == '"')
            {
                builder.Append('"');
                i++;
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    private static QueryType ToQueryType(DnsRecordType type) => type switch
    {
        DnsRecordType.A => QueryType.A,
        DnsRecordType.AAAA => QueryType.AAAA,
        DnsRecordType.MX => QueryType.MX,
        DnsRecordType.TXT => QueryType.TXT,
        DnsRecordType.PTR => QueryType.PTR,
        DnsRecordType.CNAME => QueryType.CNAME,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
