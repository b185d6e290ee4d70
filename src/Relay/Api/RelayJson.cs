using SmarthostLab.Contracts;

namespace SmarthostLab.Relay.Api;

/// <summary>The API's JSON context as the relay uses it: the contracts' own (<see cref="ApiJson"/>, src/Contracts).</summary>
public static class RelayJson
{
    /// <summary>The source-generated context with the API's options.</summary>
    public static ApiJsonContext Context => ApiJson.Context;
}
