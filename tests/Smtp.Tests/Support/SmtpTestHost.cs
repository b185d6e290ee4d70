using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>A minimal Kestrel host with only SMTP endpoints on 127.0.0.1 port 0, wired the way the relay wires it.</summary>
public sealed class SmtpTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SmtpTestHost(WebApplication app, RecordingHandler handler, int port, int implicitTlsPort)
    {
        _app = app;
        Handler = handler;
        Port = port;
        ImplicitTlsPort = implicitTlsPort;
    }

    public RecordingHandler Handler { get; }
    public int Port { get; }
    public int ImplicitTlsPort { get; }
    public SmtpConnectionLimiter Limiter => _app.Services.GetRequiredService<SmtpConnectionLimiter>();

    /// <summary>Waits until no connection is open (the limiter's count), false when some still are after <paramref name="limit"/>.</summary>
    public async Task<bool> AllClosedAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (Limiter.ActiveConnections > 0)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>A graceful stop as on SIGTERM, with the host's own shutdown timeout (30 s) as its only bound.</summary>
    public Task StopAsync() => _app.StopAsync(CancellationToken.None);

    /// <param name="logs">Receives the host's logs (every level) when given; else nothing is logged.</param>
    public static async Task<SmtpTestHost> StartAsync(Action<SmtpOptions>? configure = null, X509Certificate2? certificate = null, RecordingHandler? handler = null,
        ILoggerProvider? logs = null)
    {
        handler ??= new RecordingHandler();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
        }
        builder.Services.AddSmtpServer();
        builder.Services.Configure<SmtpOptions>(o =>
        {
            o.HostName = "relay.test";
            configure?.Invoke(o);
        });
        builder.Services.AddSingleton<ISmtpSessionHandler>(handler);
        builder.Services.AddSingleton(new SmtpTlsCertificate(certificate));
        ListenOptions? plain = null;
        ListenOptions? implicitTls = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, lo =>
            {
                plain = lo;
                lo.UseSmtp();
            });
            if (certificate is not null)
            {
                k.Listen(IPAddress.Loopback, 0, lo =>
                {
                    implicitTls = lo;
                    lo.UseSmtp(implicitTls: true);
                });
            }
        });
        var app = builder.Build();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).ToList();
        Assert.NotEmpty(addresses);
        var port = plain!.IPEndPoint!.Port;
        Assert.Contains(port, addresses);
        return new SmtpTestHost(app, handler, port, implicitTls?.IPEndPoint?.Port ?? 0);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
