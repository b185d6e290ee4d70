using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Faults;

/// <summary>DI of fault injection: the <c>Faults</c> options (validated at start), the rule set, its metrics and its start-up load.</summary>
public static class FaultServiceCollectionExtensions
{
    /// <summary>Registers fault injection; call after the store's start-up service is registered.</summary>
    public static IServiceCollection AddFaults(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FaultsOptions>().Configure(o => o.Rules = FaultsOptions.Bind(configuration).Rules).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FaultsOptions>, FaultsOptionsValidator>();
        services.TryAddSingleton<IFaultRuleStore>(sp => sp.GetRequiredService<MessageStore>());
        services.TryAddSingleton<FaultMetrics>();
        services.TryAddSingleton<FaultInjector>();
        services.AddHostedService<FaultStartup>();
        return services;
    }
}
