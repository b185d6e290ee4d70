namespace SmarthostLab.Relay.Storage;

/// <summary>One greylisting triplet as stored (table greylist).</summary>
/// <param name="Network">The client's network (canonical prefix text).</param>
/// <param name="Sender">MAIL FROM, lower case.</param>
/// <param name="Recipient">RCPT TO, lower case.</param>
/// <param name="FirstSeen">The first attempt of this round.</param>
/// <param name="LastSeen">The last attempt seen.</param>
/// <param name="Passed">A retry came after the delay, within the window.</param>
public sealed record GreylistEntry(string Network, string Sender, string Recipient, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool Passed);
