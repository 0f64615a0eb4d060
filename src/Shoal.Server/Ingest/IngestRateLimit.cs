using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Shoal.Server.Auth;

namespace Shoal.Server.Ingest;

/// <summary>
/// <see cref="ShoalServerOptions.RateLimitPerSecond"/> as an endpoint filter on ingest: a token bucket per caller (the
/// authenticated caller's name; the client address without keys), no queueing, 429 with <c>Retry-After: 1</c> beyond
/// it. A filter rather than ASP.NET Core's rate-limiting middleware, so it holds wherever Shoal is mounted, whether or
/// not the application calls <c>UseRateLimiter</c>.
/// </summary>
internal sealed class IngestRateLimit(ShoalServerOptions options, ApiKeyStore keys) : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext>? _limiter = options.RateLimitPerSecond == 0
        ? null
        : PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            Caller(context, options, keys),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.RateLimitPerSecond,
                TokensPerPeriod = options.RateLimitPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_limiter is null)
        {
            return await next(context);
        }

        using var lease = _limiter.AttemptAcquire(context.HttpContext);
        if (!lease.IsAcquired)
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            return Problems.Result(StatusCodes.Status429TooManyRequests, "Too many requests",
                $"This key may send {options.RateLimitPerSecond} ingest requests per second; retry after 1 s.", "Authorization");
        }

        return await next(context);
    }

    public void Dispose() => _limiter?.Dispose();

    /// <summary>Without keys or an application policy every caller is "anonymous": count by address then.</summary>
    private static string Caller(HttpContext context, ShoalServerOptions options, ApiKeyStore keys) =>
        (keys.Enabled || options.AuthorizationPolicy is not null) && context.User.Identity is { IsAuthenticated: true, Name: { } name }
            ? "caller:" + name
            : "address:" + context.Connection.RemoteIpAddress;
}
