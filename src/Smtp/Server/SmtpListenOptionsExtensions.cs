using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace SmarthostLab.Smtp.Server;

/// <summary>Puts the SMTP server (RFC 5321) on a Kestrel endpoint.</summary>
public static class SmtpListenOptionsExtensions
{
    /// <summary>
    /// Serves SMTP on this endpoint: the shared <see cref="Proxy.ProxyProtocolMiddleware"/> and <see cref="SmtpConnectionLimiter"/> middleware, then an
    /// <see cref="SmtpConnectionHandler"/>. Requires <see cref="SmtpServiceCollectionExtensions.AddSmtpServer"/> and an
    /// <see cref="Session.ISmtpSessionHandler"/> in DI.
    /// <code>builder.WebHost.ConfigureKestrel(k =&gt; k.Listen(endpoint, lo =&gt; lo.UseSmtp()));</code>
    /// </summary>
    /// <param name="listenOptions">The Kestrel endpoint.</param>
    /// <param name="implicitTls">True for an implicit-TLS endpoint (RFC 8314, port 465 style).</param>
    public static ListenOptions UseSmtp(this ListenOptions listenOptions, bool implicitTls = false)
    {
        var services = listenOptions.ApplicationServices;
        var proxy = services.GetRequiredService<Proxy.ProxyProtocolMiddleware>();
        var limiter = services.GetRequiredService<SmtpConnectionLimiter>();
        var handler = ActivatorUtilities.CreateInstance<SmtpConnectionHandler>(services, implicitTls);
        // The PROXY header first (Smtp:ProxyProtocol): the limiter then counts the client it names, not the balancer.
        listenOptions.Use(next => connection => proxy.InvokeAsync(connection, next));
        listenOptions.Use(next => connection => limiter.InvokeAsync(connection, next));
        listenOptions.Run(handler.OnConnectedAsync);
        return listenOptions;
    }
}
