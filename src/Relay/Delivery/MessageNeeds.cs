using SmarthostLab.Smtp.Client;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// What a stored message needs of the next hop, from its MAIL FROM parameters and its bytes: 8BITMIME (RFC 6152),
/// BINARYMIME with CHUNKING (RFC 3030), SMTPUTF8 (RFC 6531). A message that needs what the next hop lacks is never
/// sent altered: its recipients bounce (RFC 3463 5.6.3, 5.6.7), as no downgrade is done here.
/// </summary>
internal readonly record struct MessageNeeds(bool EightBit, bool Binary, bool Utf8, string? Ret, string? EnvelopeId)
{
    /// <summary>Reads the stored "KEY=value …" parameters and scans the bytes for 8-bit octets when BODY was not declared.</summary>
    public static MessageNeeds Of(string mailFromParameters, ReadOnlySpan<byte> content)
    {
        string? body = null, ret = null, envid = null;
        var utf8 = false;
        foreach (var (keyword, value) in EsmtpParameter.Split(mailFromParameters))
        {
            switch (keyword)
            {
                case "BODY": body = value?.ToUpperInvariant(); break;
                case "SMTPUTF8": utf8 = true; break;
                case "RET": ret = value?.ToUpperInvariant(); break;
                case "ENVID": envid = value; break;
            }
        }
        var binary = body == "BINARYMIME";
        var eightBit = binary || body == "8BITMIME" || (body is null && content.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0);
        return new MessageNeeds(eightBit, binary, utf8, ret, envid);
    }

    /// <summary>Why <paramref name="capabilities"/> cannot carry the message unaltered, or null when they can.</summary>
    public (string Status, string Text)? Lacking(SmtpClientCapabilities capabilities, string nextHop)
    {
        if (Binary && (!capabilities.HasFlag(SmtpClientCapabilities.BinaryMime) || !capabilities.HasFlag(SmtpClientCapabilities.Chunking)))
            return ("5.6.3", $"the next hop {nextHop} does not support BINARYMIME and CHUNKING, which this message needs (RFC 3030)");
        if (EightBit && !capabilities.HasFlag(SmtpClientCapabilities.EightBitMime))
            return ("5.6.3", $"the next hop {nextHop} does not support 8BITMIME, which this 8-bit message needs (RFC 6152); it was not converted");
        if (Utf8 && !capabilities.HasFlag(SmtpClientCapabilities.SmtpUtf8))
            return ("5.6.7", $"the next hop {nextHop} does not support SMTPUTF8, which this message needs (RFC 6531)");
        return null;
    }

    /// <summary>The MAIL FROM parameters to send to a next hop with <paramref name="capabilities"/>.</summary>
    public List<string> MailParameters(SmtpClientCapabilities capabilities, long size)
    {
        var parameters = new List<string>(4);
        if (capabilities.HasFlag(SmtpClientCapabilities.Size)) parameters.Add($"SIZE={size}");
        if (Binary) parameters.Add("BODY=BINARYMIME");
        else if (EightBit) parameters.Add("BODY=8BITMIME");
        if (Utf8) parameters.Add("SMTPUTF8");
        if (capabilities.HasFlag(SmtpClientCapabilities.Dsn))
        {
            if (Ret is not null) parameters.Add($"RET={Ret}");
            if (EnvelopeId is not null) parameters.Add($"ENVID={EnvelopeId}");
        }
        return parameters;
    }
}
