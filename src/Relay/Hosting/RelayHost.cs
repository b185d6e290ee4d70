using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Server;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// The relay's entry points: <see cref="RunAsync"/> for the process (exit codes 0 ok, 1 failure, 2 bad
/// configuration) and <see cref="StartAsync(IReadOnlyList{string}, Action{WebApplicationBuilder}?, CancellationToken)"/>
/// for tests and benchmarks that host the relay in-process.
/// </summary>
public static class RelayHost
{
    /// <summary>
    /// Builds and starts a relay from command-line style arguments (the same as the executable's, e.g.
    /// <c>["--smtp","127.0.0.1:0","--http","127.0.0.1:0","--data",dir]</c>). <paramref name="configure"/> may add
    /// configuration or replace services (e.g. a TimeProvider or an <c>IMessageVerificationStep</c>) before the build.
    /// </summary>
    /// <exception cref="RelayConfigurationException">The configuration is invalid (message: one line naming the key).</exception>
    /// <exception cref="RelayStartException">An endpoint cannot be listened on, or the data folder cannot be used or is another relay's.</exception>
    public static Task<RunningRelay> StartAsync(IReadOnlyList<string> args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default) =>
        StartAsync(CommandLine.Parse(args), configure, cancellationToken);

    private static async Task<RunningRelay> StartAsync(CommandLine commandLine, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        var app = Build(commandLine, configure, out var endpoints, out var folder);
        try
        {
            // Here rather than only in the host's start, which would log a failure with its stack trace.
            await StoreStartup.OpenAsync(app.Services.GetRequiredService<MessageStore>(), cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            var configurationProblem = ConfigurationProblem(exception, app.Configuration);
            // Disposing closes the store and releases the ports before the folder goes and the listeners are probed.
            await app.DisposeAsync().ConfigureAwait(false);
            folder.Abandon();
            if ((configurationProblem ?? (Exception?)ListenCheck.Diagnose(exception, endpoints.Configured)) is { } problem) throw problem;
            throw;
        }
        return new RunningRelay(app, endpoints, folder);
    }

    /// <summary>Options validation and binder errors met while starting, as one line naming the key.</summary>
    private static RelayConfigurationException? ConfigurationProblem(Exception exception, IConfiguration configuration) => exception switch
    {
        OptionsValidationException validation => new RelayConfigurationException(validation.Failures.FirstOrDefault() ?? validation.Message, validation),
        InvalidOperationException binder when binder.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
            new RelayConfigurationException(RelayConfigurationBuilder.BindError(configuration, binder), binder),
        _ => null,
    };

    /// <summary>Runs the relay until Ctrl-C / SIGTERM. Returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        RunningRelay relay;
        try
        {
            var commandLine = CommandLine.Parse(args);
            if (commandLine.Help)
            {
                await Console.Out.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
                return 0;
            }
            if (commandLine.Version)
            {
                // As System.CommandLine prints it for the probe and the bench: the informational version (0.1.0+commit).
                await Console.Out.WriteLineAsync(typeof(RelayHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").ConfigureAwait(false);
                return 0;
            }
            relay = await StartAsync(commandLine, configure: null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RelayConfigurationException exception)
        {
            await Console.Error.WriteLineAsync($"smarthostlab-relay: configuration error: {exception.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (RelayStartException exception)
        {
            // A port that cannot be listened on, a data folder that cannot be used or is another relay's.
            await Console.Error.WriteLineAsync($"smarthostlab-relay: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            // Anything else the environment refused: still one line, no stack trace.
            await Console.Error.WriteLineAsync($"smarthostlab-relay: cannot start: {exception.Message.Split('\n')[0].Trim()}").ConfigureAwait(false);
            return 1;
        }
        await using (relay.ConfigureAwait(false))
        {
            using var batchScheduling = ApplyBatchScheduling(relay.Services);
            var lifetime = relay.Services.GetRequiredService<IHostApplicationLifetime>();
            var stopping = new TaskCompletionSource();
            using var registration = lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
            await stopping.Task.ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>
    /// The relay executable only: <see cref="HostingOptions.BatchScheduling"/> for the whole process, then a sweep
    /// once a second for the threads started since (disposed at stop). Null when off or refused.
    /// </summary>
    private static Timer? ApplyBatchScheduling(IServiceProvider services)
    {
        if (!services.GetRequiredService<IOptions<HostingOptions>>().Value.BatchScheduling || !OperatingSystem.IsLinux()) return null;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("SmarthostLab.Relay.Hosting");
        var (switched, problem) = BatchScheduling.Apply();
        if (problem is not null)
        {
            HostingLog.BatchSchedulingFailed(logger, problem);
            return null;
        }
        HostingLog.BatchScheduling(logger, switched);
        return new Timer(static _ => BatchScheduling.Apply(), null, BatchScheduling.SweepInterval, BatchScheduling.SweepInterval);
    }

    /// <summary>
    /// Builds the app once the configuration is valid, every endpoint can be bound and the data folder is this
    /// relay's (made and locked); a failure from then on abandons the folder.
    /// </summary>
    private static WebApplication Build(CommandLine commandLine, Action<WebApplicationBuilder>? configure, out RelayEndpoints endpoints, out DataFolder folder)
    {
        // The defaults would add appsettings.json with reload on change, and the relay replaces those sources
        // anyway (RelayConfigurationBuilder). Reloading would watch the content root, the current directory,
        // recursively: an inotify watch on every folder below it, and the store's data folder ("data" by
        // default) is below it, so every SQLite write woke a file-watcher thread that stat()ed the file
        // (issue 5: 5.7 % of the relay's CPU under load, besides the wake-ups).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        RelayConfigurationBuilder.Apply(builder.Configuration, commandLine);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        configure?.Invoke(builder);
        if (RelayConfigurationBuilder.Validate(builder.Configuration) is { } problem) throw new RelayConfigurationException(problem);

        builder.Services.AddRelay(builder.Configuration);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RelayJson.Context));
        var hosting = builder.Configuration.GetSection(HostingOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = hosting.ShutdownTimeout);

        var bound = new RelayEndpoints();
        endpoints = bound;
        builder.Services.AddSingleton(bound);
        var smtp = builder.Configuration.GetSection(SmtpOptions.Section).Get<SmtpOptions>() ?? new SmtpOptions();
        var api = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        // SMTP sessions are async end to end (no blocking call on a connection's path), so a socket's continuation
        // may run on the thread that completed the read instead of hopping through Kestrel's I/O queues: one
        // thread hand-off less per read and per write, which is most of the scheduling cost on a small machine
        // (issue 5: +8 % messages/s at 1 KB x 64 connections on 2 cores).
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        var httpEndPoint = EndpointParser.Parse(api.Listen);
        var smtpEndPoint = EndpointParser.Parse(smtp.Listen);
        var implicitTlsEndPoint = string.IsNullOrEmpty(smtp.ImplicitTlsListen) ? null : EndpointParser.Parse(smtp.ImplicitTlsListen);
        bound.Configured.Add(("Api:Listen", httpEndPoint));
        bound.Configured.Add(("Smtp:Listen", smtpEndPoint));
        if (implicitTlsEndPoint is not null) bound.Configured.Add(("Smtp:ImplicitTlsListen", implicitTlsEndPoint));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(httpEndPoint, listen => bound.HttpListen = listen);
            kestrel.Listen(smtpEndPoint, listen => bound.SmtpListen = listen.UseSmtp(implicitTls: false));
            if (implicitTlsEndPoint is not null) kestrel.Listen(implicitTlsEndPoint, listen => bound.SmtpImplicitListen = listen.UseSmtp(implicitTls: true));
        });

        // Before anything is made in the data folder: building the app makes the TLS certificate there.
        ListenCheck.ThrowIfUnavailable(bound.Configured);
        folder = DataFolder.Acquire((builder.Configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions()).DataFolder);
        try
        {
            return BuildApp(builder, bound, hosting);
        }
        catch
        {
            folder.Abandon();
            throw;
        }
    }

    private static WebApplication BuildApp(WebApplicationBuilder builder, RelayEndpoints bound, HostingOptions hosting)
    {
        var app = builder.Build();
        app.UseStoreFailureAnswer();
        app.MapRelayMetrics();
        app.MapRelayOpenApi();
        app.MapMessages();
        app.MapWait();
        app.MapQueue();
        app.MapRefusals();
        app.MapAccounts();
        Faults.FaultsEndpoints.MapFaults(app);
        app.MapService();
        Web.WebEndpoints.MapWeb(app);
        var lifetime = app.Lifetime;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SmarthostLab.Relay.Hosting");
        lifetime.ApplicationStarted.Register(() =>
        {
            bound.Started = true;
            if (bound.Smtp is { } plain) HostingLog.SmtpListening(logger, plain.ToString(), "");
            if (bound.SmtpImplicitTls is { } implicitTls) HostingLog.SmtpListening(logger, implicitTls.ToString(), " (implicit TLS)");
            if (bound.Http is { } http) HostingLog.HttpListening(logger, http.ToString());
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            bound.Started = false;
            HostingLog.Stopping(logger, hosting.ShutdownTimeout);
        });
        return app;
    }
}
