namespace SmarthostLab.Tests.Support;

/// <summary>
/// A reply chosen by a test's rule for <see cref="ScriptedSmtpServer"/>. A string converts to one, so a rule can
/// return <c>"550 5.1.1 no such user"</c> or null (the server's default reply).
/// </summary>
/// <param name="Text">
/// The whole reply, e.g. "550 5.1.1 no such user"; a multi-line reply has its lines separated by "\n" or "\r\n"
/// ("250-first\n250 last"), each written with CRLF. Null (with <see cref="ScriptedReplyAction.Close"/>) sends nothing.
/// </param>
/// <param name="Action">What the server does after sending it.</param>
public sealed record ScriptedReply(string? Text, ScriptedReplyAction Action = ScriptedReplyAction.Continue)
{
    /// <summary>Closes the connection without a reply.</summary>
    public static ScriptedReply Disconnect { get; } = new(null, ScriptedReplyAction.Close);

    /// <summary>The reply <paramref name="text"/>, then carry on; null stays null (the default reply).</summary>
    public static implicit operator ScriptedReply?(string? text) => text is null ? null : new ScriptedReply(text);
}
