using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmarthostLab.Verification.Dns;

/// <summary>Builds the resolver the relay and the probe use: cache(chain(zones…, live)).</summary>
public static class DnsResolverFactory
{
    /// <summary>
    /// Loads <see cref="VerificationOptions.Zones"/> (relative paths against the current directory),
    /// sets up live DNS from <see cref="VerificationOptions.Dns"/> (or none when Offline), and puts a
    /// cache of <see cref="DnsOptions.CacheSize"/> answers in front.
    /// </summary>
    /// <exception cref="ZoneFileException">A zone file has a syntax error (the message names file and line).</exception>
    /// <exception cref="FileNotFoundException">A zone file does not exist.</exception>
    /// <exception cref="ArgumentException">A configured DNS server is not IP or IP:port.</exception>
    public static CachingDnsResolver Create(VerificationOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var zones = new List<ZoneResolver>();
        if (options.Zones.Count > 0)
        {
            var logger = loggerFactory.CreateLogger(typeof(DnsResolverFactory).FullName!);
            var files = options.Zones.Select(path => File.Exists(path)
                ? ZoneFile.Load(path)
                : throw new FileNotFoundException($"Verification:Zones: zone file '{path}' not found", path)).ToList();
            foreach (var file in files)
            {
                DnsLog.ZoneFileLoaded(logger, file.FileName, file.Records.Count, file.Names.Count, DescribeApexes(file, options.Dns.Offline));
            }

            zones.Add(new ZoneResolver(files));
        }

        var live = new LiveDnsResolver(options.Dns, loggerFactory.CreateLogger<LiveDnsResolver>());
        var chain = new ChainResolver(zones, live);
        return new CachingDnsResolver(chain, new DnsCacheOptions { MaxEntries = Math.Max(16, options.Dns.CacheSize) }, timeProvider);
    }

    /// <summary>Where a file answers NXDOMAIN/NODATA on its own, for the log line of each file.</summary>
    internal static string DescribeApexes(ZoneFile file, bool offline) => file.Apexes.Count > 0
        ? string.Join(", ", file.Apexes.Keys.Select(a => a.Length == 0 ? "." : a))
        : $"no apex (no $ORIGIN or SOA): only its own names, other names {(offline ? "temperror (offline)" : "from live DNS")}";
}
