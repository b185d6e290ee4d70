using System.Text;
using SmarthostLab.Relay.Session;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The human-readable first part of the report (RFC 6522 3, RFC 3464 2.1): who reports, on which message, then the
/// recipients grouped by what happened to them (failed, delayed, delivered, relayed, expanded), each with the remote
/// reply or the reason. Lines are wrapped as <see cref="DsnLines"/> wraps them.
/// </summary>
internal static class DsnNotificationText
{
    private const string DetailIndent = "    ";

    /// <summary>The text, CRLF line endings; UTF-8 where an address or a reason is not ASCII.</summary>
    public static string Format(DsnRequest request)
    {
        var builder = new StringBuilder(1024);
        Paragraph(builder, $"This is the mail system at host {request.ReportingMta}.");
        Paragraph(builder, $"This report is about your message received on {ReceivedHeader.Rfc5322Date(request.ArrivalDate)}, " +
            $"queue id {DsnLines.Clean(request.OriginalMessageId)}.");
        foreach (var action in Enum.GetValues<DsnAction>())
        {
            var heading = true;
            foreach (var recipient in request.Recipients)
            {
                if (recipient.Action != action) continue;
                if (heading) Paragraph(builder, Heading(action));
                heading = false;
                Paragraph(builder, Line(recipient), DetailIndent);
            }
        }
        DsnLines.AppendWrapped(builder, request.ReturnFullMessage
            ? "The original message is attached below."
            : "The headers of the original message are attached below.", "");
        return builder.ToString();
    }

    private static void Paragraph(StringBuilder builder, string text, string indent = "")
    {
        DsnLines.AppendWrapped(builder, text, indent);
        builder.Append("\r\n");
    }

    private static string Heading(DsnAction action) => action switch
    {
        DsnAction.Failed => "Your message could not be delivered to the following recipients; the mail system has given up on them:",
        DsnAction.Delayed => "Delivery to the following recipients has been delayed. The mail system will keep trying; you do not need to send the message again:",
        DsnAction.Delivered => "Your message was delivered to the following recipients:",
        DsnAction.Relayed => "Your message was passed on to the following recipients by way of a system that sends no further delivery reports:",
        DsnAction.Expanded => "Your message was delivered to the following recipients and forwarded from there to further addresses:",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not a DSN action."),
    };

    /// <summary>"&lt;addr&gt;: reason; host H said: reply (status X.Y.Z)", the parts there are.</summary>
    private static string Line(DsnRecipient recipient)
    {
        var details = new List<string>(2);
        if (DsnLines.Clean(recipient.Reason) is { Length: > 0 } reason) details.Add(reason);
        var host = DsnLines.Clean(recipient.RemoteMta);
        if (DsnLines.Clean(recipient.DiagnosticCode) is { Length: > 0 } reply)
            details.Add(host is { Length: > 0 } ? $"host {host} said: {reply}" : $"the remote server said: {reply}");
        else if (host is { Length: > 0 })
            details.Add($"host {host}");
        if (details.Count == 0) details.Add(DsnStatusFields.ActionName(recipient.Action));
        return $"<{DsnLines.Clean(recipient.FinalRecipient)}>: {string.Join("; ", details)} (status {recipient.Status})";
    }
}
