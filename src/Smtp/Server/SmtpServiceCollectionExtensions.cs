using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SmarthostLab.Smtp.Server;

/// <summary>DI registration of the SMTP server's services.</summary>
public static class SmtpServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SmtpOptions"/> (bind it yourself; validated at start by <see cref="SmtpOptionsValidator"/>), <see cref="SmtpMetrics"/>, the shared
    /// <see cref="SmtpConnectionLimiter"/> and <see cref="Proxy.ProxyProtocolMiddleware"/>, <see cref="TimeProvider.System"/> and an empty
    /// <see cref="SmtpTlsCertificate"/> unless one is registered. The host adds its
    /// <see cref="Session.ISmtpSessionHandler"/>.
    /// </summary>
    public static IServiceCollection AddSmtpServer(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpOptions>, SmtpOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new SmtpTlsCertificate());
        services.TryAddSingleton(sp => new SmtpMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<SmtpConnectionLimiter>();
        services.TryAddSingleton<Proxy.ProxyProtocolMiddleware>();
        return services;
    }
}
