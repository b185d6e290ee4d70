using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>What the recording handler kept of one delivered message.</summary>
public sealed record ReceivedMessage(string MailFrom, string[] Recipients, BodyType Body, byte[] Content, string? Helo, string? Tls, string Transcript, Envelope Envelope);
