using System.Net;

namespace Shoal.Server;

/// <summary>
/// What <see cref="ShoalServer"/> listens on, who may call it, and the limits it enforces; also the options of
/// <see cref="ShoalServerServiceCollectionExtensions.AddShoalServer"/> in an application of your own (there the
/// application decides where it listens, and <see cref="Urls"/> is not used).
/// </summary>
public sealed record ShoalServerOptions
{
    /// <summary>Listen on loopback port 5080, no API keys (every caller has every scope), 1 MiB bodies, no rate limit, no UDP. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static ShoalServerOptions Default => new();

    /// <summary>The HTTP addresses to listen on (Kestrel URLs). Port 0 picks a free port; see <see cref="ShoalServer.Urls"/>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5080"];

    /// <summary>
    /// The API keys callers present as <c>Authorization: Bearer KEY</c> (each at least <see cref="ApiKey.MinimumLength"/>
    /// characters). More come from configuration (<c>Shoal:ApiKeys</c>). With none at all, authentication is off and
    /// every caller has every scope.
    /// </summary>
    public IReadOnlyList<ApiKey> ApiKeys { get; init; } = [];

    /// <summary>
    /// The name of an authorization policy of the application that every protected endpoint (ingest, admin, status,
    /// the dashboard's stream) requires instead of an API key, when Shoal is mounted with
    /// <see cref="ShoalEndpointRouteBuilderExtensions.MapShoal"/> in an application with its own authentication.
    /// Null (default): API keys with scopes. With a policy, no API key may be given (neither here nor in
    /// <c>Shoal:ApiKeys</c>), and the policy decides for every scope alike.
    /// </summary>
    public string? AuthorizationPolicy { get; init; }

    /// <summary>Largest request body accepted (larger: 413). Default 1 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Largest single event (data, key, id, type and headers) accepted (larger: 413). Default 1,000,000 bytes, under the
    /// engines' own limits (in-process 1 MiB, NATS 1 MB), so no event is rejected by the engine after others were stored.
    /// </summary>
    public int MaxEventBytes { get; init; } = 1_000_000;

    /// <summary>Most events in one request (more: 413). Default 10,000.</summary>
    public int MaxBatchEvents { get; init; } = 10_000;

    /// <summary>Ingest requests per second allowed per API key (per client address without keys); more get 429. 0 (default): no limit.</summary>
    public int RateLimitPerSecond { get; init; }

    /// <summary>Where to receive UDP events (at-most-once), or null (default) for no UDP ingest.</summary>
    public IPEndPoint? UdpEndpoint { get; init; }

    /// <summary>
    /// For member records that do not state their own session TTL (written by earlier versions): a member whose heartbeat
    /// is older than this is shown dead. Members are judged by the TTL in their record. Default 30 s, as <c>ClusterOptions.SessionTtl</c>.
    /// </summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the dashboard (and the lag metric) re-read the cluster's state. Default 1 s.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock for status reads and rates. Default the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (Urls is null || Urls.Count == 0)
        {
            throw new ShoalConfigurationException("ShoalServerOptions.Urls", "give at least one URL to listen on, e.g. http://127.0.0.1:5080.");
        }

        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ShoalConfigurationException("ShoalServerOptions.Urls", $"'{url}' is not an http:// or https:// URL.");
            }
        }

        if (ApiKeys is null)
        {
            throw new ShoalConfigurationException("ShoalServerOptions.ApiKeys", "must not be null.");
        }

        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var field = $"ShoalServerOptions.ApiKeys[{i}]";
            if (ApiKeys[i] is not { } key)
            {
                throw new ShoalConfigurationException(field, "must not be null.");
            }

            ApiKey.CheckKey(key.Key, field);
            ApiKey.CheckName(key.Name, field + ".Name");
            if ((key.Scopes & ApiScopes.All) == ApiScopes.None || (key.Scopes & ~ApiScopes.All) != ApiScopes.None)
            {
                throw new ShoalConfigurationException(field + ".Scopes", "give at least one of produce, read and admin, and nothing else.");
            }
        }

        if (AuthorizationPolicy is not null)
        {
            if (string.IsNullOrWhiteSpace(AuthorizationPolicy))
            {
                throw new ShoalConfigurationException("ShoalServerOptions.AuthorizationPolicy", "name a policy of the application, or leave it null for API keys.");
            }

            if (ApiKeys.Count > 0)
            {
                throw new ShoalConfigurationException("ShoalServerOptions.AuthorizationPolicy",
                    $"the application's policy '{AuthorizationPolicy}' authorizes callers, so API keys are not used: give either ApiKeys or AuthorizationPolicy, not both.");
            }
        }

        OptionChecks.Range("ShoalServerOptions.MaxRequestBytes", MaxRequestBytes, 1, int.MaxValue);
        OptionChecks.Range("ShoalServerOptions.MaxEventBytes", MaxEventBytes, 1, int.MaxValue);
        OptionChecks.Range("ShoalServerOptions.MaxBatchEvents", MaxBatchEvents, 1, 1_000_000);
        OptionChecks.Range("ShoalServerOptions.RateLimitPerSecond", RateLimitPerSecond, 0, 10_000_000);
        OptionChecks.PositiveTimer("ShoalServerOptions.SessionTtl", SessionTtl);
        OptionChecks.PositiveTimer("ShoalServerOptions.StatusInterval", StatusInterval);
        if (TimeProvider is null)
        {
            throw new ShoalConfigurationException("ShoalServerOptions.TimeProvider", "must not be null.");
        }
    }
}
