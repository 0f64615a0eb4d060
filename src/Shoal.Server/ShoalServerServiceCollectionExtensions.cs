using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Shoal.Engine;
using Shoal.Hosting.Health;
using Shoal.Server.Auth;
using Shoal.Server.Ingest;
using Shoal.Server.Status;
using Shoal.Server.Udp;

namespace Shoal.Server;

/// <summary>Adds Shoal's server (ingest, admin, health, metrics, dashboard) to an ASP.NET Core application's services.</summary>
public static class ShoalServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services <see cref="ShoalEndpointRouteBuilderExtensions.MapShoal"/> maps: the API-key authentication
    /// scheme (unless <see cref="ShoalServerOptions.AuthorizationPolicy"/> names the application's policy), the status
    /// reader behind the dashboard and the lag metric, the health checks <c>engine</c> and <c>members</c> (tagged
    /// <c>ready</c>), OpenTelemetry metrics for the meter <c>Shoal</c> with the Prometheus exporter, and UDP ingest when
    /// <see cref="ShoalServerOptions.UdpEndpoint"/> is set.
    /// The engine is the application's <see cref="IShoalEngine"/> service (Shoal.Hosting's <c>AddShoal</c> registers
    /// one, or register your own); events are published through the application's <see cref="IEventPublisher"/> when
    /// it has one (<c>AddShoal</c>'s node), else through a publisher of the server's own on that engine.
    /// API keys come from <paramref name="options"/> and the application's configuration (<c>Shoal:ApiKeys</c>), read
    /// when <c>MapShoal</c> runs. Throws <see cref="ShoalConfigurationException"/> naming the first invalid option.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="options">Limits, keys or the application's policy; <see cref="ShoalServerOptions.Default"/> when null.</param>
    public static IServiceCollection AddShoalServer(this IServiceCollection services, ShoalServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= ShoalServerOptions.Default;
        options.Validate();
        if (services.Any(d => d.ServiceType == typeof(ShoalServerOptions)))
        {
            throw new ShoalConfigurationException("AddShoalServer", "is called twice; call it once, with all of the server's options.");
        }

        services.AddSingleton(options);
        services.AddSingleton(sp => Keys(options, sp.GetService<IConfiguration>()));
        services.AddSingleton<ServerPublisher>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<IngestEndpoint>(sp, sp.GetRequiredService<ServerPublisher>().Publisher));
        services.AddSingleton<IngestRateLimit>();
        services.AddSingleton<AdminEndpoints>();
        services.AddSingleton<StatusPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusPoller>());
        if (options.UdpEndpoint is not null)
        {
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<UdpIngest>(sp, sp.GetRequiredService<ServerPublisher>().Publisher));
            services.AddHostedService(sp => sp.GetRequiredService<UdpIngest>());
        }

        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        services.AddAuthorization();
        if (options.AuthorizationPolicy is null)
        {
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
            // ASP.NET Core makes a lone scheme the default. An application with one scheme of its own and no default
            // named relies on that; Shoal's scheme beside it must not take it away.
            services.PostConfigure<AuthenticationOptions>(authentication =>
            {
                var own = authentication.Schemes.Where(s => s.Name != ApiKeyAuthenticationHandler.SchemeName).ToList();
                if (authentication.DefaultScheme is null && own.Count == 1)
                {
                    authentication.DefaultScheme = own[0].Name;
                }
            });
        }

        // One set of checks for every host (Shoal.Hosting): live = the node runs, ready = engine and members.
        services.AddShoalHealthChecks();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ShoalDiagnostics.MeterName).AddPrometheusExporter());
        return services;
    }

    private static ApiKeyStore Keys(ShoalServerOptions options, IConfiguration? configuration)
    {
        var keys = ApiKeyConfiguration.Read(options.ApiKeys, configuration ?? new ConfigurationBuilder().Build());
        if (options.AuthorizationPolicy is { } policy && keys.Count > 0)
        {
            throw new ShoalConfigurationException(ApiKeyConfiguration.Section,
                $"the application's policy '{policy}' (ShoalServerOptions.AuthorizationPolicy) authorizes callers, so API keys are not used: remove the keys or the policy.");
        }

        return new ApiKeyStore(keys);
    }
}
