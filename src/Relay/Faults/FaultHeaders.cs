using SmarthostLab.Relay.Session;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Faults;

/// <summary>The header fields of the message at end of data, parsed only when a rule that reads them gets that far.</summary>
public sealed class FaultHeaders
{
    private readonly MessageContent _content;
    private readonly long _maxHeaderSize;
    private HeaderSummary? _summary;
    private bool _read;

    /// <summary>Wraps the message (valid during the stage call only).</summary>
    public FaultHeaders(MessageContent content, long maxHeaderSize)
    {
        _content = content;
        _maxHeaderSize = maxHeaderSize;
    }

    /// <summary>Subject and every header line; null when the header section is over Smtp:MaxHeaderSize.</summary>
    public HeaderSummary? Summary
    {
        get
        {
            if (_read) return _summary;
            _read = true;
            using var stream = _content.OpenRead();
            if (HeaderSection.TryRead(stream, _maxHeaderSize, out var section)) _summary = HeaderSummary.Of(section.Headers);
            return _summary;
        }
    }
}
