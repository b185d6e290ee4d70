using System.Security.Cryptography;

namespace SmarthostLab.Probe.Send;

/// <summary>Unique tokens that identify one probe message at the relay.</summary>
public static class ProbeToken
{
    /// <summary>The header that carries the token.</summary>
    public const string HeaderName = "X-SmarthostLab-Probe";

    /// <summary>A new token: <c>shl-</c> and 20 random hex digits.</summary>
    public static string New() => "shl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
}
