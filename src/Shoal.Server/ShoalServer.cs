using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Shoal.Engine;
using Shoal.Server.Auth;
using Shoal.Server.Dashboard;
using Shoal.Server.Diagnostics;
using Shoal.Server.Health;
using Shoal.Server.Ingest;
using Shoal.Server.Status;
using Shoal.Server.Udp;

namespace Shoal.Server;

/// <summary>
/// Shoal over HTTP on any engine: event ingest, topic and group admin, health checks, Prometheus metrics, a live
/// dashboard, and opt-in UDP ingest. See docs/server.md. Create with <see cref="Create"/>, then
/// <see cref="StartAsync"/>; <see cref="StopAsync"/> (or disposal) stops it. The engine stays the caller's.
/// </summary>
public sealed class ShoalServer : IAsyncDisposable
{
    /// <summary>How much of a too-large body is read and discarded so the client sees the 413 (beyond: the connection closes).</summary>
    internal const long DrainBytes = 1 << 20;

    private const string IngestRateLimit = "ingest";

    private readonly WebApplication _app;
    private readonly ShoalRuntime _runtime;
    private bool _started;

    private ShoalServer(WebApplication app, ShoalRuntime runtime)
    {
        _app = app;
        _runtime = runtime;
    }

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
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes + DrainBytes);
        // Logs go to stderr: stdout belongs to the host (shoal serve --json prints its one JSON line there).
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        var keys = new ApiKeyStore(ApiKeyConfiguration.Read(options.ApiKeys, builder.Configuration));

        var runtime = ShoalRuntime.Create(engine, new ShoalOptions { TimeProvider = options.TimeProvider });
        var services = builder.Services;
        services.AddSingleton(engine);
        services.AddSingleton(options);
        services.AddSingleton(runtime.Publisher);
        services.AddSingleton(keys);
        services.AddSingleton<IngestEndpoint>();
        services.AddSingleton<AdminEndpoints>();
        services.AddSingleton<StatusPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusPoller>());
        if (options.UdpEndpoint is not null)
        {
            services.AddSingleton<UdpIngest>();
            services.AddHostedService(sp => sp.GetRequiredService<UdpIngest>());
        }

        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Kestrel enforces the body limit too (a body it can see is too large fails before the endpoint runs).
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge && !context.ProblemDetails.Extensions.ContainsKey("field"))
            {
                context.ProblemDetails.Detail ??= $"The body exceeds the limit of {options.MaxRequestBytes} bytes.";
                context.ProblemDetails.Extensions["field"] = "body";
            }
        });
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(new RequiredScope(ApiScopes.Produce).Policy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, "produce"))
            .AddPolicy(new RequiredScope(ApiScopes.Read).Policy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, "read"))
            .AddPolicy(new RequiredScope(ApiScopes.Admin).Policy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, "admin"));
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(IngestRateLimit, context => options.RateLimitPerSecond == 0
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetTokenBucketLimiter(
                    keys.Enabled && context.User.Identity?.Name is { } name ? name : context.Connection.RemoteIpAddress?.ToString() ?? string.Empty,
                    _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.RateLimitPerSecond,
                        TokensPerPeriod = options.RateLimitPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            limiter.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This key may send {options.RateLimitPerSecond} ingest requests per second; retry after 1 s.", "Authorization"));
            };
        });
        services.AddHealthChecks()
            .AddCheck<EngineHealthCheck>("engine", tags: ["ready"])
            .AddCheck<MembersHealthCheck>("members", tags: ["ready"]);
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("shoal")).WithMetrics(metrics => metrics.AddMeter("Shoal").AddPrometheusExporter());
        configureServices?.Invoke(services);

        var app = builder.Build();
        MapEndpoints(app);
        if (!keys.Enabled)
        {
            ServerLog.AuthenticationOff(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ShoalServer>());
        }

        return new ShoalServer(app, runtime);
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
        await _runtime.DisposeAsync();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A bug, not bad input: 500 as problem details without internals. Kestrel's own limits come here as
            // BadHttpRequestException with their status (e.g. 413), which is kept.
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        var produce = new RequiredScope(ApiScopes.Produce);
        var read = new RequiredScope(ApiScopes.Read);
        var admin = new RequiredScope(ApiScopes.Admin);

        app.MapPost("/v1/topics/{topic}/events", (HttpContext context, string topic, IngestEndpoint ingest) => ingest.HandleAsync(context, topic))
            .RequireAuthorization(produce.Policy).WithMetadata(produce).RequireRateLimiting(IngestRateLimit);
        app.MapPut("/v1/topics/{topic}", (HttpContext context, string topic, AdminEndpoints admin) => admin.CreateTopicAsync(context, topic))
            .RequireAuthorization(admin.Policy).WithMetadata(admin);
        app.MapGet("/v1/topics", (AdminEndpoints api, CancellationToken ct) => api.ListTopicsAsync(ct))
            .RequireAuthorization(read.Policy).WithMetadata(read);
        app.MapGet("/v1/topics/{topic}", (string topic, AdminEndpoints api, CancellationToken ct) => api.GetTopicAsync(topic, ct))
            .RequireAuthorization(read.Policy).WithMetadata(read);
        app.MapGet("/v1/groups", (AdminEndpoints api, CancellationToken ct) => api.ListGroupsAsync(ct))
            .RequireAuthorization(read.Policy).WithMetadata(read);
        app.MapGet("/v1/groups/{group}", (string group, AdminEndpoints api, CancellationToken ct) => api.GetGroupAsync(group, ct))
            .RequireAuthorization(read.Policy).WithMetadata(read);
        app.MapGet("/v1/dashboard/stream", DashboardEndpoints.StreamAsync)
            .RequireAuthorization(read.Policy).WithMetadata(read);
        app.MapGet("/", DashboardEndpoints.PageResult);

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealthAsync });
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new HealthResponse(
            report.Status.ToString(),
            report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description)));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ServerJsonContext.Default.HealthResponse);
    }
}
