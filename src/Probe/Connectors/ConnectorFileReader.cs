namespace SmarthostLab.Probe.Connectors;

/// <summary>Reads a connector export of any supported kind: detects the encoding, then the format.</summary>
public static class ConnectorFileReader
{
    /// <summary>What was read and how.</summary>
    /// <param name="Settings">The normalized connector.</param>
    /// <param name="Encoding">Detected text encoding.</param>
    /// <param name="ConnectorsInFile">How many connectors the file held (the one linted is named in Settings).</param>
    public sealed record Result(ConnectorSettings Settings, string Encoding, int ConnectorsInFile);

    /// <summary>Reads <paramref name="path"/>; throws <see cref="ProbeException"/> when it cannot.</summary>
    public static Result ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProbeException($"cannot read {path}: {ex.Message}", ex);
        }

        return ReadBytes(bytes);
    }

    /// <summary>Reads an export held in memory.</summary>
    public static Result ReadBytes(ReadOnlySpan<byte> bytes)
    {
        var text = TextDecoder.Decode(bytes, out var encoding).TrimStart('\uFEFF');
        var trimmed = text.TrimStart();
        int count;
        ConnectorSettings settings;
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            settings = SendConnectorJsonReader.Read(text, out count);
        }
        else if (SmtpConnectorLdifReader.LooksLikeLdif(text))
        {
            settings = SmtpConnectorLdifReader.Read(text, out count);
        }
        else if (FormatListReader.LooksLikeFormatList(text))
        {
            settings = FormatListReader.Read(text, out count);
        }
        else
        {
            throw new ProbeException("unrecognized export: expected Get-SendConnector | ConvertTo-Json, Get-SendConnector | Format-List, or an ldifde export of an SMTP connector");
        }

        return new Result(settings, encoding, count);
    }
}
