using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>Builds the verification step at start (zone files, DNS, DKIM keys) instead of in the first session.</summary>
internal sealed class VerificationStartup(IServiceProvider services) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IMessageVerificationStep>() is VerificationStep step) step.Initialize();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
