namespace SmarthostLab.Tests.Support;

/// <summary>What <see cref="ScriptedSmtpServer"/> does after sending a <see cref="ScriptedReply"/>.</summary>
public enum ScriptedReplyAction
{
    /// <summary>Carry on with the session (a 421 reply still closes it, as a real server would).</summary>
    Continue,

    /// <summary>Close the connection (after the reply, if it has text; with no text, close without replying).</summary>
    Close,

    /// <summary>Keep the connection open but never read from it again (until the server is disposed): a peer that stops reading.</summary>
    StopReading,
}
