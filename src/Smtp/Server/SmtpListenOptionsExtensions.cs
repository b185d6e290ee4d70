using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace SmarthostLab.Smtp.Server;

/// <summary>Puts the SMTP server (RFC 5321) on a Kestrel endpoint.</summary>
public static class SmtpListenOptionsExtensions
{
    /// <summary>
    /// Serves SMTP on this endpoint: the shared <see cref="SmtpConnectionLimiter"/> middleware, then an
    /// <see cref="SmtpConnectionHandler"/>. Requires <see cref="SmtpServiceCollectionExtensions.AddSmtpServer"/> and an
    /// <see cref="Session.ISmtpSessionHandler"/> in DI.
    /// <code>builder.WebHost.ConfigureKestrel(k =&gt; k.Listen(endpoint, lo =&gt; lo.UseSmtp()));</code>
    /// </summary>
    /// <param name="listenOptions">The Kestrel endpoint.</param>
    /// <param name="implicitTls">True for an implicit-TLS endpoint (RFC 8314, port 465 style).</param>
    public static ListenOptions UseSmtp(this ListenOptions listenOptions, bool implicitTls = false)
    {
        var services = listenOptions.ApplicationServices;
        var limiter = services.GetRequiredService<SmtpConnectionLimiter>();
        var handler = ActivatorUtilities.CreateInstance<SmtpConnectionHandler>(services, implicitTls);
        listenOptions.Use(next => connection => limiter.InvokeAsync(connection, next));
        listenOptions.Run(handler.OnConnectedAsync);
        return listenOptions;
    }
}
