using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Shoal.Hosting.Health;
using Shoal.Server.Auth;
using Shoal.Server.Dashboard;
using Shoal.Server.Diagnostics;
using Shoal.Server.Ingest;

namespace Shoal.Server;

/// <summary>Maps Shoal's server endpoints into an ASP.NET Core application.</summary>
public static class ShoalEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps, under <paramref name="prefix"/> (<c>"/shoal"</c>; empty for the root): the API <c>/v1/…</c> (ingest,
    /// topics, groups, the dashboard's stream), the dashboard page at <c>/</c>, <c>/health/live</c>,
    /// <c>/health/ready</c> and <c>/metrics</c> (docs/server.md). Needs <see cref="ShoalServerServiceCollectionExtensions.AddShoalServer"/>.
    /// The API requires an API key with the endpoint's scope, or the application's policy named by
    /// <see cref="ShoalServerOptions.AuthorizationPolicy"/>; health, metrics and the page are open. Reads the API keys
    /// now, so a bad one fails the application's start naming its setting.
    /// </summary>
    /// <param name="endpoints">The application (or a route group of it).</param>
    /// <param name="prefix">The path Shoal lives under, e.g. <c>"/shoal"</c>.</param>
    /// <returns>The conventions of every Shoal endpoint (e.g. <c>RequireHost</c>, or <c>RequireAuthorization</c> to close health, metrics and the page as well).</returns>
    public static IEndpointConventionBuilder MapShoal(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var services = endpoints.ServiceProvider;
        var options = services.GetService<ShoalServerOptions>()
            ?? throw new InvalidOperationException("MapShoal needs Shoal's server services: call services.AddShoalServer() first.");
        if (!services.GetRequiredService<ApiKeyStore>().Enabled && options.AuthorizationPolicy is null)
        {
            ServerLog.AuthenticationOff(services.GetRequiredService<ILoggerFactory>().CreateLogger<ShoalServer>());
        }

        var shoal = endpoints.MapGroup(prefix);
        var api = shoal.MapGroup("/v1")
            .WithMetadata(new BodyLimit(options.MaxRequestBytes + ShoalServer.DrainBytes))
            .AddEndpointFilter((context, next) => AnswerTooLargeAsync(context, next, options));
        var rateLimit = services.GetRequiredService<IngestRateLimit>();

        Protect(api.MapPost("/topics/{topic}/events", (HttpContext context, string topic, IngestEndpoint ingest) => ingest.HandleAsync(context, topic)), ApiScopes.Produce)
            .AddEndpointFilter(rateLimit.InvokeAsync);
        Protect(api.MapPut("/topics/{topic}", (HttpContext context, string topic, AdminEndpoints admin) => admin.CreateTopicAsync(context, topic)), ApiScopes.Admin);
        Protect(api.MapGet("/topics", (AdminEndpoints admin, CancellationToken ct) => admin.ListTopicsAsync(ct)), ApiScopes.Read);
        Protect(api.MapGet("/topics/{topic}", (string topic, AdminEndpoints admin, CancellationToken ct) => admin.GetTopicAsync(topic, ct)), ApiScopes.Read);
        Protect(api.MapGet("/groups", (AdminEndpoints admin, CancellationToken ct) => admin.ListGroupsAsync(ct)), ApiScopes.Read);
        Protect(api.MapGet("/groups/{group}", (string group, AdminEndpoints admin, CancellationToken ct) => admin.GetGroupAsync(group, ct)), ApiScopes.Read);
        Protect(api.MapGet(DashboardEndpoints.StreamPath["/v1".Length..], DashboardEndpoints.StreamAsync), ApiScopes.Read);

        shoal.MapGet("/", DashboardEndpoints.PageResult);
        shoal.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ShoalHealthChecks.LiveTag), ResponseWriter = WriteHealthAsync });
        shoal.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ShoalHealthChecks.ReadyTag), ResponseWriter = WriteHealthAsync });
        shoal.MapPrometheusScrapingEndpoint("/metrics");
        return shoal;

        RouteHandlerBuilder Protect(RouteHandlerBuilder endpoint, ApiScopes scope)
        {
            var required = new RequiredScope(scope);
            return (options.AuthorizationPolicy is { } policy ? endpoint.RequireAuthorization(policy) : endpoint.RequireAuthorization(required.ApiKeyPolicy))
                .WithMetadata(required);
        }
    }

    /// <summary>
    /// A body over the limit (<see cref="BodyLimit"/>, enforced by the server while the endpoint reads) is a 413 naming
    /// <c>body</c>, whatever exception handling the application has.
    /// </summary>
    private static async ValueTask<object?> AnswerTooLargeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, ShoalServerOptions options)
    {
        try
        {
            return await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.HttpContext.Response.HasStarted)
        {
            return Problems.Result(StatusCodes.Status413PayloadTooLarge, "Too large", $"The body exceeds the limit of {options.MaxRequestBytes} bytes.", "body");
        }
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new HealthResponse(
            report.Status.ToString(),
            report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description)));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ServerJsonContext.Default.HealthResponse);
    }

    /// <summary>The request body limit of Shoal's API (routing applies it to the request before the endpoint reads the body).</summary>
    private sealed class BodyLimit(long bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => bytes;
    }
}
