namespace SmarthostLab.Verification.Tests.Support;

/// <summary>Paths of the copied conformance data (tests/Verification.Tests/data, copied to the output folder).</summary>
public static class TestData
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    public static byte[] Bytes(params string[] parts) => File.ReadAllBytes(Path(parts));

    public static string Text(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>LF → CRLF (leaves existing CRLF alone).</summary>
    public static byte[] ToCrlf(byte[] data)
    {
        var output = new List<byte>(data.Length + data.Length / 20);
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == (byte)'\n' && (i == 0 || data[i - 1] != (byte)'\r'))
            {
                output.Add((byte)'\r');
            }

            output.Add(data[i]);
        }

        return [.. output];
    }
}
