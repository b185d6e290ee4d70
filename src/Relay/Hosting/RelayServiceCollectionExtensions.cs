using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Delivery;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Limits;
using SmarthostLab.Relay.Pipeline;
using SmarthostLab.Relay.Session;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Client;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Hosting;

/// <summary>DI composition of the relay: options (validated at start), store, admission, session handler, TLS certificate, metrics.</summary>
public static class RelayServiceCollectionExtensions
{
    /// <summary>Registers the relay's services bound to <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddRelay(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.Section))
            .PostConfigure<IOptions<StoreOptions>>((o, store) =>
            {
                // Large messages spool to the data folder (the disk the store writes to), not to /tmp.
                if (string.IsNullOrWhiteSpace(o.SpoolFolder)) o.SpoolFolder = Path.GetFullPath(Path.Combine(store.Value.DataFolder, "spool"));
            })
            .ValidateOnStart();
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateOnStart();
        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.Section)).ValidateOnStart();
        services.AddOptions<HostingOptions>().Bind(configuration.GetSection(HostingOptions.Section)).ValidateOnStart();
        services.AddOptions<AdmissionOptions>().Bind(configuration.GetSection(AdmissionOptions.Section)).ValidateOnStart();
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateOnStart();
        services.AddOptions<VerificationOptions>().Bind(configuration.GetSection(VerificationOptions.Section))
            .PostConfigure<RelayHostName>((o, host) => o.AuthServId = string.IsNullOrWhiteSpace(o.AuthServId) ? host.Value : o.AuthServId.Trim())
            .ValidateOnStart();
        services.AddOptions<RateLimitsOptions>().Bind(configuration.GetSection(RateLimitsOptions.Section)).ValidateOnStart();
        services.AddOptions<GreylistingOptions>().Bind(configuration.GetSection(GreylistingOptions.Section)).ValidateOnStart();
        services.AddOptions<VerificationSwitchOptions>().Bind(configuration.GetSection(VerificationOptions.Section));
        services.AddOptions<AccountsOptions>().Configure(o => o.Accounts = RelayConfigurationBuilder.BindAccounts(configuration).Accounts).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SmtpOptions>, RelaySmtpOptionsValidator>();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();
        services.AddSingleton<IValidateOptions<HostingOptions>, HostingOptionsValidator>();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.AddSingleton<IValidateOptions<AccountsOptions>, AccountsOptionsValidator>();
        services.AddSingleton<IValidateOptions<AccountsOptions>, DkimKeysValidator>();
        services.AddSingleton<IValidateOptions<AccountsOptions>, CredentialsValidator>();
        services.AddSingleton<IValidateOptions<AdmissionOptions>, AdmissionOptionsValidator>();
        services.AddSingleton<IValidateOptions<VerificationOptions>, VerificationOptionsValidator>();
        services.AddSingleton<IValidateOptions<RateLimitsOptions>, LimitsOptionsValidator>();
        services.AddSingleton<IValidateOptions<GreylistingOptions>, LimitsOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<RelayMetrics>();
        services.AddRelayTelemetry(configuration);
        services.AddRelayOpenApi();
        services.TryAddSingleton<RelayHostName>();
        // Store:Provider (issue 18): one SQLite file, or a PostgreSQL database several relays may share.
        services.TryAddSingleton<MessageStore>(sp => sp.GetRequiredService<IOptions<StoreOptions>>().Value.IsPostgres
            ? ActivatorUtilities.CreateInstance<Storage.Postgres.PostgresMessageStore>(sp)
            : ActivatorUtilities.CreateInstance<SqliteMessageStore>(sp));
        services.TryAddSingleton<IMessageStore>(sp => sp.GetRequiredService<MessageStore>());
        services.TryAddSingleton<AccountRegistry>();
        services.TryAddSingleton<Authentication.RelayAuthentication>();
        services.TryAddSingleton<RateLimits>();
        services.TryAddSingleton<Greylist>();
        services.TryAddSingleton<IDnsResolver>(sp => DnsResolverFactory.Create(
            sp.GetRequiredService<IOptions<VerificationOptions>>().Value, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new MessageVerifier(
            sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<IOptions<VerificationOptions>>().Value,
            time: sp.GetRequiredService<TimeProvider>(), logger: sp.GetRequiredService<ILoggerFactory>().CreateLogger<MessageVerifier>()));
        services.TryAddSingleton<DkimSigners>();
        services.TryAddSingleton(sp => new Lazy<MessageVerifier>(sp.GetRequiredService<MessageVerifier>));
        services.TryAddSingleton(sp => new Lazy<DkimSigners>(sp.GetRequiredService<DkimSigners>));
        // Verification:Enabled=false keeps the no-op step (messages stored without a verdict).
        if (configuration.GetValue(VerificationSwitchOptions.EnabledKey, true))
            services.TryAddSingleton<IMessageVerificationStep, VerificationStep>();
        services.TryAddSingleton<IMessageVerificationStep, NoVerificationStep>();
        services.TryAddSingleton<ISmtpSessionHandler, RelaySessionHandler>();
        AddDelivery(services);
        services.TryAddSingleton(sp => new SmtpTlsCertificate(CertificateProvider.Load(
            sp.GetRequiredService<IOptions<SmtpOptions>>().Value,
            sp.GetRequiredService<IOptions<StoreOptions>>().Value,
            sp.GetRequiredService<RelayHostName>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CertificateProvider).FullName!))));
        services.AddSmtpServer();
        services.TryAddSingleton<Web.LiveFeed>();
        services.TryAddSingleton<Web.WebAssets>();
        services.AddHostedService<StoreStartup>();
        Faults.FaultServiceCollectionExtensions.AddFaults(services, configuration);
        services.AddHostedService<VerificationStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryQueue>());
        return services;
    }

    /// <summary>The outbound queue (issue 13): router, resolver, DSN factory, queue and its connection workers.</summary>
    private static void AddDelivery(IServiceCollection services)
    {
        services.TryAddSingleton<DeliveryRouter>();
        services.TryAddSingleton<DsnFactory>();
        services.TryAddSingleton<QueuedContent>();
        services.TryAddSingleton<DeliveryMetrics>();
        services.TryAddSingleton(sp => new DestinationResolver(
            sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.MxPort,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<DestinationResolver>()));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            var client = new SmtpClientOptions
            {
                HeloName = sp.GetRequiredService<RelayHostName>().Value,
                SourceAddress = string.IsNullOrWhiteSpace(options.SourceAddress) ? null : System.Net.IPAddress.Parse(options.SourceAddress),
                Tls = options.Tls,
                ConnectTimeout = options.ConnectTimeout,
                CommandTimeout = options.CommandTimeout,
                DataTimeout = options.DataTimeout,
            };
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger<DeliveryWorker>();
            return new DeliveryQueue(
                sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<DeliveryRouter>(), sp.GetRequiredService<IOptions<DeliveryOptions>>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<DeliveryMetrics>(), sp.GetRequiredService<ILogger<DeliveryQueue>>(),
                queue => new DeliveryWorker(queue, sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<DestinationResolver>(), options, client,
                    sp.GetRequiredService<DsnFactory>(), sp.GetRequiredService<DeliveryMetrics>(), sp.GetRequiredService<TimeProvider>(), logger,
                    sp.GetRequiredService<QueuedContent>()));
        });
    }
}
