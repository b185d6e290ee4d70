using System.Text;
using SmarthostLab.Relay.Session;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// Writes a delivery status notification (RFC 3464, with RFC 3461 6 for when one is due) to the envelope sender of
/// a message: a multipart/report (RFC 6522) of three parts, a human-readable text/plain explanation, the
/// message/delivery-status fields, and the original message (message/rfc822, RET=FULL) or its header block
/// (text/rfc822-headers). Pure: no I/O, no clock, no store.
/// </summary>
/// <remarks>
/// <para>The output is CRLF throughout. The original is embedded as stored; only a bare CR or LF in it, which
/// a relay accepting bare LF may have stored, is written as CRLF.</para>
/// <para>When the returned part (or the text, for a non-ASCII address or reason) holds 8-bit octets, that part
/// and the multipart/report are labelled <c>Content-Transfer-Encoding: 8bit</c>, and the caller must send the
/// DSN with <c>BODY=8BITMIME</c> (RFC 6152); it is 8bit exactly when some byte of it is above 127. A UTF-8
/// envelope sender (in To) or a UTF-8 header block additionally needs SMTPUTF8 (RFC 6531). The returned header
/// block stays text/rfc822-headers and the report message/delivery-status (with RFC 6533's ASCII forms for UTF-8
/// addresses) rather than the message/global-* types.</para>
/// </remarks>
public static class DsnWriter
{
    /// <summary>Subject when any recipient failed (Postfix's wording).</summary>
    public const string FailedSubject = "Undelivered Mail Returned to Sender";

    /// <summary>Subject when none failed and at least one is delayed.</summary>
    public const string DelayedSubject = "Delivery Status Notification (Delay)";

    /// <summary>Subject when every recipient was delivered, relayed or expanded.</summary>
    public const string SuccessSubject = "Successful Mail Delivery Report";

    /// <summary>Writes the whole DSN message: RFC 5322 headers and the multipart/report body, CRLF line endings.</summary>
    /// <param name="request">What to report.</param>
    /// <returns>The message's bytes, ready to queue with MAIL FROM:&lt;&gt; and RCPT TO:&lt;<see cref="DsnRequest.EnvelopeSender"/>&gt;.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The envelope sender is empty (the null sender gets no DSN, RFC 3461 6.2), the queue id is empty, there are no recipients, a recipient
    /// has no address or a status code that is not RFC 3463's class.subject.detail, or a header value
    /// (<see cref="DsnRequest.ReportingMta"/>, <see cref="DsnRequest.MessageIdDomain"/>, the envelope sender) holds a
    /// control character.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A recipient's action is not a member of <see cref="DsnAction"/>.</exception>
    public static byte[] Write(DsnRequest request)
    {
        Validate(request);
        var original = request.OriginalMessage.Span;
        var returned = request.ReturnFullMessage ? original : DsnOriginal.HeaderBlock(original);
        var text = DsnNotificationText.Format(request);
        var fields = DsnStatusFields.Format(request);
        var textIsAscii = Ascii.IsValid(text);
        var returnedIsEightBit = DsnOriginal.IsEightBit(returned);
        var boundary = Boundary(request, returned, text, fields);

        var head = new StringBuilder(2048);
        head.Append("Date: ").Append(ReceivedHeader.Rfc5322Date(request.Date)).Append("\r\n");
        head.Append("From: Mail Delivery System <MAILER-DAEMON@").Append(request.ReportingMta).Append(">\r\n");
        head.Append("To: <").Append(request.EnvelopeSender).Append(">\r\n");
        head.Append("Subject: ").Append(Subject(request)).Append("\r\n");
        head.Append("Message-ID: <").Append(request.MessageIdLocalPart ?? QueueId.New(request.Date)).Append('@').Append(request.MessageIdDomain).Append(">\r\n");
        head.Append("Auto-Submitted: auto-replied\r\n");
        head.Append("MIME-Version: 1.0\r\n");
        head.Append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").Append(boundary).Append("\"\r\n");
        if (!textIsAscii || returnedIsEightBit) head.Append("Content-Transfer-Encoding: 8bit\r\n");
        head.Append("\r\nThis is a MIME-encapsulated message.\r\n");

        head.Append("\r\n--").Append(boundary).Append("\r\n");
        head.Append("Content-Description: Notification\r\n");
        head.Append(textIsAscii ? "Content-Type: text/plain; charset=us-ascii\r\n" : "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
        head.Append("\r\n").Append(text);

        head.Append("\r\n--").Append(boundary).Append("\r\n");
        head.Append("Content-Description: Delivery report\r\n");
        head.Append("Content-Type: message/delivery-status\r\n");
        head.Append("\r\n").Append(fields);

        head.Append("\r\n--").Append(boundary).Append("\r\n");
        head.Append(request.ReturnFullMessage
            ? "Content-Description: Original message\r\nContent-Type: message/rfc822\r\n"
            : "Content-Description: Original message header\r\nContent-Type: text/rfc822-headers\r\n");
        if (returnedIsEightBit) head.Append("Content-Transfer-Encoding: 8bit\r\n");
        head.Append("\r\n");

        var headBytes = Encoding.UTF8.GetBytes(head.ToString());
        var tail = Encoding.ASCII.GetBytes("\r\n--" + boundary + "--\r\n");
        using var output = new MemoryStream(headBytes.Length + returned.Length + tail.Length);
        output.Write(headBytes);
        DsnOriginal.WriteCrlf(output, returned);
        output.Write(tail);
        // The estimate is exact unless bare line ends were widened to CRLF: then the buffer has grown, and is copied.
        return output.Length == output.Capacity ? output.GetBuffer() : output.ToArray();
    }

    /// <summary>
    /// The DSN's Subject, also for the store's metadata: <see cref="FailedSubject"/> when any recipient failed,
    /// else <see cref="DelayedSubject"/> when any is delayed, else (all delivered, relayed or expanded)
    /// <see cref="SuccessSubject"/>.
    /// </summary>
    /// <param name="request">What is reported.</param>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The request has no recipients.</exception>
    public static string Subject(DsnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Recipients is not { Count: > 0 })
            throw new ArgumentException("A DSN reports on one or more recipients.", nameof(request));
        if (request.Recipients.Any(r => r.Action == DsnAction.Failed)) return FailedSubject;
        return request.Recipients.Any(r => r.Action == DsnAction.Delayed) ? DelayedSubject : SuccessSubject;
    }

    /// <summary>
    /// A boundary (RFC 2046 5.1.1) from the original's queue id and 64 random bits, drawn again in the unlikely case
    /// that it occurs in any part. "=_" cannot appear in quoted-printable or base64 content.
    /// </summary>
    private static string Boundary(DsnRequest request, ReadOnlySpan<byte> returned, string text, string fields)
    {
        var id = request.OriginalMessageId;
        var prefix = id.Length is > 0 and <= 40 && id.All(char.IsAsciiLetterOrDigit) ? id : "dsn";
        Span<byte> random = stackalloc byte[8];
        while (true)
        {
            Random.Shared.NextBytes(random);
            var boundary = $"=_{prefix}.{Convert.ToHexString(random)}";
            if (returned.IndexOf(Encoding.ASCII.GetBytes(boundary)) < 0
                && !text.Contains(boundary, StringComparison.Ordinal)
                && !fields.Contains(boundary, StringComparison.Ordinal))
                return boundary;
        }
    }

    private static void Validate(DsnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.EnvelopeSender))
            throw new ArgumentException("The envelope sender is empty: a message from the null sender gets no DSN (RFC 3461 6.2).", nameof(request));
        if (string.IsNullOrEmpty(request.OriginalMessageId))
            throw new ArgumentException("The original message's queue id is empty.", nameof(request));
        RequireHeaderSafe(request.EnvelopeSender, nameof(DsnRequest.EnvelopeSender), spaceAllowed: true);
        RequireHeaderSafe(request.ReportingMta, nameof(DsnRequest.ReportingMta), spaceAllowed: false);
        RequireHeaderSafe(request.MessageIdDomain, nameof(DsnRequest.MessageIdDomain), spaceAllowed: false);
        if (request.MessageIdLocalPart is not null)
            RequireHeaderSafe(request.MessageIdLocalPart, nameof(DsnRequest.MessageIdLocalPart), spaceAllowed: false);
        if (request.Recipients is not { Count: > 0 })
            throw new ArgumentException("A DSN reports on one or more recipients.", nameof(request));
        foreach (var recipient in request.Recipients)
        {
            if (recipient is null || string.IsNullOrWhiteSpace(recipient.FinalRecipient))
                throw new ArgumentException("Every recipient needs a final recipient address.", nameof(request));
            if (!IsStatusCode(recipient.Status))
                throw new ArgumentException($"'{recipient.Status}' is not an RFC 3463 status code (class.subject.detail, class 2, 4 or 5).", nameof(request));
            DsnStatusFields.ActionName(recipient.Action);
        }
    }

    private static void RequireHeaderSafe(string value, string name, bool spaceAllowed)
    {
        if (string.IsNullOrEmpty(value)
            || value.AsSpan().ContainsAnyInRange('\0', '\u001f')
            || value.Contains('\u007f', StringComparison.Ordinal)
            || (!spaceAllowed && value.Contains(' ', StringComparison.Ordinal)))
            throw new ArgumentException($"{name} must be non-empty and hold no control characters{(spaceAllowed ? "" : " or spaces")}.", "request");
    }

    /// <summary>RFC 3463 2: status-code = class "." subject "." detail; class 2, 4 or 5, subject and detail 1 to 3 digits.</summary>
    private static bool IsStatusCode(string? status)
    {
        if (status is null) return false;
        var parts = status.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5"
            && parts[1..].All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }
}
