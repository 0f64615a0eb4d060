using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Engine;
using Shoal.Scenarios.Workload;
using Shoal.Server;

namespace Shoal.Cli.Serve;

/// <summary><c>shoal serve</c>: the HTTP server (ingest, admin, health, metrics, dashboard, opt-in UDP) on an engine.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = ShoalServerOptions.Default;
        var engine = new EngineOption();
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen: one or more http:// URLs separated by ';' (port 0 picks a free port)",
            DefaultValueFactory = _ => string.Join(';', defaults.Urls),
            HelpName = "URLS",
        }.Check(value => Problem(() => ParseUrls(value)));
        var apiKeys = new Option<string[]>("--api-key")
        {
            Description = $"An API key callers send as 'Authorization: Bearer KEY', at least {ApiKey.MinimumLength} characters (make one with " +
                          "'openssl rand -hex 32'); KEY gets every scope, KEY:produce,read limits it (repeatable; more, and named keys, " +
                          "from configuration Shoal:ApiKeys). Without any, every caller has every scope",
            HelpName = "KEY[:scope,scope]",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        }.Check(values => Problem(() => values.Select(v => ApiKey.Parse(v)).ToList()));
        var udp = new Option<string?>("--udp")
        {
            Description = "Also receive events as UDP datagrams, at-most-once, unauthenticated (PORT on 127.0.0.1, or ADDRESS:PORT)",
            HelpName = "[ADDRESS:]PORT",
        }.Check(value => value is null ? null : Problem(() => ParseUdp(value)));
        var maxBody = new Option<long>("--max-body")
        {
            Description = "Largest request body in bytes (larger: 413)",
            DefaultValueFactory = _ => defaults.MaxRequestBytes,
        }.InRange(1, int.MaxValue);
        var rateLimit = new Option<int>("--rate-limit")
        {
            Description = "Ingest requests per second per API key (429 beyond); 0 = no limit",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 10_000_000);
        var sessionTtl = DurationOptions.Create("--session-ttl", defaults.SessionTtl, "Members whose records state no session TTL of their own (earlier versions) show as dead when silent this long").Positive();
        var statusInterval = DurationOptions.Create(
            "--status-interval", defaults.StatusInterval, "How often the cluster's status is read for the dashboard and the lag metric")
            .Positive();
        var startupTimeout = DurationOptions.Create(
            "--startup-timeout", Worker.DefaultStartupTimeout, "How long opening the engine may keep retrying transient errors (a server still starting or restarting) before serve gives up").Positive();
        var json = CliOutput.CreateJsonOption();
        var command = new Command("serve", "Serve HTTP ingest, topic/group admin, health checks, Prometheus metrics and a live dashboard on an engine until stopped")
        {
            urls, apiKeys, udp, maxBody, rateLimit, sessionTtl, statusInterval, startupTimeout, json,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(
                () => RunAsync(
                    engine.GetValue(parseResult, output.Error),
                    Options(
                        parseResult.GetValue(urls)!,
                        parseResult.GetValue(apiKeys) ?? [],
                        parseResult.GetValue(udp),
                        parseResult.GetValue(rateLimit),
                        parseResult.GetValue(maxBody),
                        parseResult.GetValue(sessionTtl),
                        parseResult.GetValue(statusInterval)),
                    output,
                    cancellationToken,
                    parseResult.GetValue(startupTimeout)),
                cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> fires (Ctrl+C, SIGTERM), then stops gracefully and exits 0. An
    /// address it cannot listen on (a port in use, a UDP address not of this host) is an error naming the option and
    /// the address (exit 1).
    /// </summary>
    public static async Task<int> RunAsync(string engineUri, ShoalServerOptions options, CliOutput output, CancellationToken cancellationToken, TimeSpan? startupTimeout = null)
    {
        // A server still starting (or restarting) is retried, one line each on stderr, as the other verbs do.
        var opening = startupTimeout ?? Worker.DefaultStartupTimeout;
        await using var engine = await EngineRetries.WithinAsync(
            () => EngineRetries.RunAsync(attempt => ShoalEngines.OpenAsync(engineUri, EngineUris.Services, attempt), opening, cancellationToken, EngineRetries.ReportTo(output.Error)),
            "connecting", "--startup-timeout", opening);
        await using var server = ShoalServer.Create(engine, options, QuietHostStart);
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch (Exception e) when (BindFailure(e) is { } socket)
        {
            // Kestrel: "Failed to bind to address http://127.0.0.1:5080: address already in use." (an IOException), or
            // the socket's own error for an address not of this host. UDP binds before Kestrel starts, so a UDP
            // endpoint that is not bound is the one that failed.
            if (options.UdpEndpoint is { } udp && server.UdpEndpoint is null)
            {
                return output.Fail($"--udp: cannot receive on {udp}: {Reason(socket)}.");
            }

            return output.Fail($"--urls: cannot listen on {FailedUrl(options.Urls, e, server)}: {Reason(socket)}.");
        }

        var started = new ServeStarted([.. server.Urls.Select(u => u.ToString().TrimEnd('/'))], server.UdpEndpoint?.ToString(), engine.Name);
        if (output.Json)
        {
            output.WriteJson(started, CliJsonContext.Default.ServeStarted);
        }
        else
        {
            output.Line($"shoal serve: {started.Engine} on {string.Join(", ", started.Urls)}" + (started.Udp is { } u ? $", UDP {u} (at-most-once)" : string.Empty));
            output.Line($"dashboard {started.Urls[0]}/, health {started.Urls[0]}/health/ready, metrics {started.Urls[0]}/metrics. Ctrl+C stops.");
        }

        // Ctrl+C or SIGTERM (caught by the host's console lifetime, or by System.CommandLine as the token): the
        // normal way to stop a server.
        await server.WaitForShutdownAsync(cancellationToken);

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.StopAsync(grace.Token);
        return ExitCodes.Ok;
    }

    internal static ShoalServerOptions Options(string urls, IReadOnlyList<string> apiKeys, string? udp, int rateLimit, long maxBody, TimeSpan sessionTtl, TimeSpan statusInterval)
    {
        var options = ShoalServerOptions.Default with
        {
            Urls = ParseUrls(urls),
            ApiKeys = [.. apiKeys.Select(k => ApiKey.Parse(k))],
            UdpEndpoint = udp is null ? null : ParseUdp(udp),
            RateLimitPerSecond = rateLimit,
            MaxRequestBytes = maxBody,
            SessionTtl = sessionTtl,
            StatusInterval = statusInterval,
        };
        options.Validate();
        return options;
    }

    /// <summary>
    /// The <c>--urls</c> list: <c>http://HOST:PORT</c> URLs separated by ';'. Not https:// (serve configures no
    /// certificate) and no path (Kestrel listens on a host and port; a path base is the application's).
    /// </summary>
    private static string[] ParseUrls(string value)
    {
        var urls = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            throw new ShoalConfigurationException("--urls", "give at least one URL to listen on, e.g. http://127.0.0.1:5080.");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                throw new ShoalConfigurationException("--urls", $"'{url}' is not a URL to listen on; write http://HOST:PORT (port 0 to 65535), e.g. http://127.0.0.1:5080.");
            }

            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                throw new ShoalConfigurationException("--urls",
                    $"'{url}': https:// needs a certificate, which shoal serve does not configure; listen on http:// behind a proxy that terminates TLS, or host ShoalServer in your own application with Kestrel's HTTPS settings (docs/server.md).");
            }

            if (uri.IsLoopback && uri.Port == 0 && uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                throw new ShoalConfigurationException("--urls",
                    $"'{url}': port 0 (a free port) cannot be used with localhost, which is two addresses (IPv4 and IPv6) that would get different ports; use http://127.0.0.1:0 (or http://[::1]:0).");
            }

            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                throw new ShoalConfigurationException("--urls", $"'{url}': give scheme, host and port only, not a path, query or user (the API's paths are fixed: docs/server.md).");
            }
        }

        return urls;
    }

    /// <summary>The host's own start-up failure log (a stack trace) is left out: <see cref="RunAsync"/> reports the failure as one error line.</summary>
    private static readonly IConfiguration QuietHostStart = new ConfigurationBuilder()
        .AddInMemoryCollection([new("Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host", "Critical")])
        .Build();

    /// <summary>The socket error behind a failed bind (Kestrel wraps "address in use" in an IOException), or null.</summary>
    private static SocketException? BindFailure(Exception e) => e switch
    {
        SocketException socket => socket,
        IOException { InnerException: not null } io when io.GetBaseException() is SocketException socket => socket,
        _ => null,
    };

    /// <summary>
    /// The URL, as the user wrote it, that could not be bound: the one Kestrel's message names, else the first one not
    /// bound (Kestrel binds them in order and stops at the first failure).
    /// </summary>
    private static string FailedUrl(IReadOnlyList<string> urls, Exception e, ShoalServer server)
    {
        if (urls.Count == 1)
        {
            return urls[0];
        }

        if (urls.FirstOrDefault(u => e.Message.Contains(u.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) is { } named)
        {
            return named;
        }

        // A URL with port 0 is bound at whatever port was picked: compare the host alone.
        var bound = server.Urls;
        return urls.FirstOrDefault(u => new Uri(u) is var uri && !bound.Any(b => b.Host == uri.Host && (uri.Port == 0 || b.Port == uri.Port)))
            ?? string.Join(';', urls);
    }

    private static string Reason(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the address is already in use (another process listens there)",
        SocketError.AddressNotAvailable => "the address is not one of this host's",
        SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
        _ => e.Message,
    };

    private static IPEndPoint ParseUdp(string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= IPEndPoint.MaxPort)
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (IPEndPoint.TryParse(value, out var endpoint) && value.Contains(':', StringComparison.Ordinal))
        {
            return endpoint;
        }

        throw new ShoalConfigurationException("--udp", $"'{value}' is not a port (0-65535) or ADDRESS:PORT.");
    }

    private static string? Problem(Func<object?> check)
    {
        try
        {
            check();
            return null;
        }
        catch (ShoalConfigurationException ex)
        {
            return CliOptionNames.WithoutField(ex);
        }
    }
}

/// <summary>What <c>shoal serve --json</c> prints once it listens.</summary>
internal sealed record ServeStarted(IReadOnlyList<string> Urls, string? Udp, string Engine);
