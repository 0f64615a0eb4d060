using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Resources;
using Shoal.Engine;
using Shoal.Server.Udp;

namespace Shoal.Server;

/// <summary>
/// Shoal over HTTP on any engine: event ingest, topic and group admin, health checks, Prometheus metrics, a live
/// dashboard, and opt-in UDP ingest, hosted by itself (what <c>shoal serve</c> runs). See docs/server.md. Create with
/// <see cref="Create"/>, then <see cref="StartAsync"/>; <see cref="StopAsync"/> (or disposal) stops it. The engine stays
/// the caller's. To put the same endpoints into an application of your own, use
/// <see cref="ShoalServerServiceCollectionExtensions.AddShoalServer"/> and <see cref="ShoalEndpointRouteBuilderExtensions.MapShoal"/>.
/// </summary>
public sealed class ShoalServer : IAsyncDisposable
{
    /// <summary>How much of a too-large body is read and discarded so the client sees the 413 (beyond: the connection closes).</summary>
    internal const long DrainBytes = 1 << 20;

    private readonly WebApplication _app;
    private bool _started;

    private ShoalServer(WebApplication app) => _app = app;

    /// <summary>The addresses the server listens on, with the ports actually bound (after <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<Uri> Urls =>
        [.. (_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => new Uri(a))];

    /// <summary>The UDP endpoint bound (after <see cref="StartAsync"/>), or null without UDP ingest.</summary>
    public IPEndPoint? UdpEndpoint => _app.Services.GetService<UdpIngest>()?.Bound is { IsCompletedSuccessfully: true } bound ? bound.Result : null;

    /// <summary>The server's services (for tests and embedding).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Validates <paramref name="options"/> and builds the server on <paramref name="engine"/>. API keys come from the
    /// options and from configuration (<c>Shoal:ApiKeys</c>: <c>KEY</c> or <c>KEY:scope,scope</c> entries, or objects
    /// with <c>Key</c>, <c>Name</c> and <c>Scopes</c>; the default sources are <c>appsettings.json</c> and environment
    /// variables such as <c>Shoal__ApiKeys__0</c>).
    /// <paramref name="configuration"/>, when given, is read after those. <paramref name="configureServices"/> may add
    /// services, e.g. <see cref="Cluster.ClusterMember"/>s this process hosts (the readiness check then covers them).
    /// </summary>
    public static ShoalServer Create(IShoalEngine engine, ShoalServerOptions options, IConfiguration? configuration = null, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables();
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        builder.WebHost.UseUrls([.. options.Urls]);
        // Logs go to stderr: stdout belongs to the host (shoal serve --json prints its one JSON line there).
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        // The server hosted by itself is the mounted server in an application of its own: the engine is a service
        // like any application's, and every endpoint comes from MapShoal.
        var services = builder.Services;
        services.AddSingleton(engine);
        services.AddShoalServer(options);
        services.AddProblemDetails();
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("shoal"));
        configureServices?.Invoke(services);

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A bug, not bad input: 500 as problem details without internals. Kestrel's own errors come here as
            // BadHttpRequestException with their status, which is kept.
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapShoal();
        return new ShoalServer(app);
    }

    /// <summary>Starts listening (and the status reader, and UDP when enabled).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _started = true;
        await _app.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when the host is asked to stop — SIGTERM or Ctrl+C to the process (ASP.NET Core's console lifetime
    /// catches those), or <c>IHostApplicationLifetime.StopApplication</c> — or when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_app.Lifetime.ApplicationStopping, cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, linked.Token);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop.
        }
    }

    /// <summary>Stops gracefully: ends the dashboard streams, finishes requests in flight, stops UDP.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        _started ? _app.StopAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Stops the server (<see cref="StopAsync"/>) and releases it; the engine stays the caller's.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
