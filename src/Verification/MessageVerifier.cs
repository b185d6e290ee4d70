using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using SmarthostLab.Verification.AuthResults;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dmarc;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Verification;

/// <summary>
/// Composes SPF (RFC 7208), DKIM (RFC 6376/8463), DMARC (RFC 7489) and the Authentication-Results
/// header (RFC 8601) for one message. SPF starts at MAIL FROM (<see cref="StartSpf"/>); at end of
/// data <see cref="VerifyAsync(Stream, SpfChecks, CancellationToken)"/> parses the
/// message's header section once (or takes it parsed), runs DKIM key lookups and DMARC discovery concurrently, awaits SPF and evaluates.
/// All waiting is asynchronous; one instance serves all sessions concurrently.
/// </summary>
/// <remarks>
/// The egress SPF evaluation (what DMARC uses) checks the first of
/// <see cref="VerificationOptions.EgressAddresses"/> with <see cref="AuthServId"/> as HELO. When no
/// egress address is configured the relay stands in for the receiver itself: the egress evaluation
/// is the client-IP evaluation (client IP, client HELO), so DMARC uses the client's SPF result.
/// </remarks>
public sealed partial class MessageVerifier
{
    private readonly ILogger _logger;

    /// <summary>Creates the verifier.</summary>
    /// <param name="dns">The DNS edge (zone, cache, live).</param>
    /// <param name="options">The Verification section.</param>
    /// <param name="psl">Public Suffix List; default from <paramref name="options"/> (file or embedded).</param>
    /// <param name="time">Clock for DKIM x=; default system.</param>
    /// <param name="logger">Logger; default none.</param>
    /// <param name="dmarcSample">pct= sampling (0–99); default random. See <see cref="DmarcEvaluator"/>.</param>
    public MessageVerifier(IDnsResolver dns, VerificationOptions options, PublicSuffixList? psl = null, TimeProvider? time = null, ILogger? logger = null, Func<int>? dmarcSample = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        Psl = psl ?? PublicSuffixList.FromOptions(options);
        Spf = new SpfEvaluator(dns);
        Dkim = new DkimSignatureVerifier(dns, time);
        Dmarc = new DmarcEvaluator(dns, Psl, dmarcSample);
        AuthServId = string.IsNullOrWhiteSpace(options.AuthServId) ? System.Net.Dns.GetHostName() : options.AuthServId.Trim();
        EgressAddress = options.EgressAddresses.Count > 0 ? IPAddress.Parse(options.EgressAddresses[0]) : null;
    }

    /// <summary>The options in use.</summary>
    public VerificationOptions Options { get; }

    /// <summary>The authserv-id of our Authentication-Results, also the HELO name of the egress SPF check.</summary>
    public string AuthServId { get; }

    /// <summary>The egress address SPF is evaluated for; null = the client IP (see remarks).</summary>
    public IPAddress? EgressAddress { get; }

    /// <summary>The Public Suffix List.</summary>
    public PublicSuffixList Psl { get; }

    /// <summary>The SPF evaluator.</summary>
    public SpfEvaluator Spf { get; }

    /// <summary>The DKIM verifier.</summary>
    public DkimSignatureVerifier Dkim { get; }

    /// <summary>The DMARC evaluator.</summary>
    public DmarcEvaluator Dmarc { get; }

    /// <summary>
    /// Starts the SPF evaluations for a transaction without waiting: egress (DMARC's), client IP, and
    /// the HELO identity when <see cref="VerificationOptions.CheckHelo"/>. Call at MAIL FROM.
    /// </summary>
    /// <param name="clientIp">The SMTP client's address.</param>
    /// <param name="helo">Its HELO/EHLO name.</param>
    /// <param name="mailFrom">The MAIL FROM address; "" for the null sender (identity postmaster@HELO, RFC 7208 2.4).</param>
    /// <param name="cancellationToken">Cancels the lookups (e.g. the session ends).</param>
    public SpfChecks StartSpf(IPAddress clientIp, string helo, string mailFrom, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientIp);
        helo ??= string.Empty;
        mailFrom ??= string.Empty;
        var client = Guard(Spf.CheckMailFromAsync(clientIp, mailFrom, helo, cancellationToken), clientIp, mailFrom, helo);
        var egress = EgressAddress is null
            ? client
            : Guard(Spf.CheckMailFromAsync(EgressAddress, mailFrom, AuthServId, cancellationToken), EgressAddress, mailFrom, AuthServId);
        Task<SpfVerdict>? heloCheck = Options.CheckHelo && helo.Length > 0
            ? Guard(Spf.CheckHeloAsync(clientIp, helo, cancellationToken), clientIp, string.Empty, helo)
            : null;
        return new SpfChecks(egress, client, heloCheck);
    }

    /// <summary>
    /// Verifies a complete message (as received, headers and body) with the SPF checks started at MAIL FROM.
    /// </summary>
    public Task<VerificationResult> VerifyAsync(ReadOnlyMemory<byte> message, SpfChecks spf, CancellationToken cancellationToken = default) =>
        VerifyAsync(MessageParsing.OpenRead(message), spf, cancellationToken);

    /// <summary>
    /// Verifies a complete message read from a seekable stream (e.g. the relay's pooled buffer) without
    /// copying it: its header section is parsed once (time linear in its size) and the body is read where it lies
    /// from the stream, which must stay open until the returned task completes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="message"/> cannot seek.</exception>
    public Task<VerificationResult> VerifyAsync(Stream message, SpfChecks spf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(spf);
        if (!message.CanSeek) throw new ArgumentException("The message stream must be seekable.", nameof(message));
        return VerifyParsedAsync(MessageParsing.Parse(message), spf, cancellationToken);
    }

    /// <summary>
    /// Verifies a message whose header section the caller parsed already (the relay parses each message once and may
    /// add or remove fields, e.g. its own DKIM-Signature): the body is read from <paramref name="message"/> at
    /// <see cref="HeaderSection.BodyOffset"/>; the stream must stay open until the returned task completes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="message"/> cannot seek.</exception>
    public Task<VerificationResult> VerifyAsync(HeaderSection headers, Stream message, SpfChecks spf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(spf);
        if (!message.CanSeek) throw new ArgumentException("The message stream must be seekable.", nameof(message));
        return VerifyParsedAsync(new ParsedMessage(headers, message), spf, cancellationToken);
    }

    private async Task<VerificationResult> VerifyParsedAsync(ParsedMessage parsed, SpfChecks spf, CancellationToken cancellationToken)
    {
        IReadOnlyList<DkimVerdict> dkim = [];
        IReadOnlyList<string?> prefixes = [];
        AuthorDomain author;
        DmarcLookup? lookup = null;
        if (!parsed.Section.IsPresent)
        {
            LogNoHeaderSection(_logger);
            author = new AuthorDomain(null, "no header section (the first line is not a header field)");
        }
        else
        {
            author = AuthorDomain.From(parsed.Headers);
            var discovery = author.Domain is null ? null : Dmarc.DiscoverAsync(author.Domain, cancellationToken);
            (dkim, prefixes) = await Dkim.VerifyWithPrefixesAsync(parsed, cancellationToken).ConfigureAwait(false);

            lookup = discovery is null ? null : await discovery.ConfigureAwait(false);
        }

        var egress = await spf.Egress.ConfigureAwait(false);
        var client = await spf.Client.ConfigureAwait(false);
        var helo = spf.HeloCheck is null ? null : await spf.HeloCheck.ConfigureAwait(false);
        var dmarc = Dmarc.Evaluate(author, lookup, egress, dkim);
        var header = AuthenticationResultsHeader.Build(AuthServId, egress, client, dkim, prefixes, dmarc);
        return new VerificationResult(egress, client, helo, dkim, dmarc, AuthServId, header);
    }

    /// <summary>
    /// Verifies a message in one call (the API's POST /verify): SPF is started and awaited here.
    /// </summary>
    /// <param name="clientIp">The client IP to evaluate SPF for.</param>
    /// <param name="helo">HELO name.</param>
    /// <param name="mailFrom">MAIL FROM; "" for the null sender.</param>
    /// <param name="message">The raw message.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public Task<VerificationResult> VerifyAsync(IPAddress clientIp, string helo, string mailFrom, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) =>
        VerifyAsync(message, StartSpf(clientIp, helo, mailFrom, cancellationToken), cancellationToken);

    private async Task<SpfVerdict> Guard(Task<SpfVerdict> check, IPAddress ip, string mailFrom, string helo)
    {
        try
        {
            return await check.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The evaluator reports DNS trouble as temperror; anything else is a bug worth a log line.
            LogSpfFault(_logger, ip.ToString(), e);
            var at = mailFrom.LastIndexOf('@');
            var domain = at >= 0 ? mailFrom[(at + 1)..] : helo;
            return new SpfVerdict(SpfResult.TempError, domain, ip.ToString(), mailFrom.Length > 0 ? "mailfrom" : "helo", Reason: "internal error: " + e.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "SPF evaluation for {Ip} failed unexpectedly")]
    private static partial void LogSpfFault(ILogger logger, string ip, Exception exception);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Message has no header section (its first line is not a header field): no From domain, no DKIM signature")]
    private static partial void LogNoHeaderSection(ILogger logger);
}
