using System.CommandLine;
using System.Globalization;
using System.Net;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Server;

namespace Shoal.Cli.Serve;

/// <summary><c>shoal serve</c>: the HTTP server (ingest, admin, health, metrics, dashboard, opt-in UDP) on an engine.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = ShoalServerOptions.Default;
        var engine = EngineUris.CreateOption();
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen: one or more http:// URLs separated by ';' (port 0 picks a free port)",
            DefaultValueFactory = _ => string.Join(';', defaults.Urls),
            HelpName = "URLS",
        }.Check(value => Problem(() => Options(value, [], null, 0, defaults.MaxRequestBytes, defaults.SessionTtl, defaults.StatusInterval)));
        var apiKeys = new Option<string[]>("--api-key")
        {
            Description = "An API key callers send as 'Authorization: Bearer KEY'; KEY gets every scope, KEY:produce,read limits it " +
                          "(repeatable; more from configuration Shoal:ApiKeys). Without any, every caller has every scope",
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
        var sessionTtl = Durations.CreateOption("--session-ttl", defaults.SessionTtl, "Members silent this long show as dead (as the workers' session TTL)");
        var statusInterval = Durations.CreateOption(
            "--status-interval", defaults.StatusInterval, "How often the cluster's status is read for the dashboard and the lag metric")
            .Check(value => value > TimeSpan.Zero ? null : "must be more than 0.");
        var json = CliOutput.CreateJsonOption();
        var command = new Command("serve", "Serve HTTP ingest, topic/group admin, health checks, Prometheus metrics and a live dashboard on an engine until stopped")
        {
            engine, urls, apiKeys, udp, maxBody, rateLimit, sessionTtl, statusInterval, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(
                () => RunAsync(
                    parseResult.GetValue(engine)!,
                    Options(
                        parseResult.GetValue(urls)!,
                        parseResult.GetValue(apiKeys) ?? [],
                        parseResult.GetValue(udp),
                        parseResult.GetValue(rateLimit),
                        parseResult.GetValue(maxBody),
                        parseResult.GetValue(sessionTtl),
                        parseResult.GetValue(statusInterval)),
                    output,
                    cancellationToken),
                cancellationToken);
        });
        return command;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (Ctrl+C, SIGTERM), then stops gracefully and exits 0.</summary>
    public static async Task<int> RunAsync(string engineUri, ShoalServerOptions options, CliOutput output, CancellationToken cancellationToken)
    {
        await using var opened = await EngineUris.OpenAsync(engineUri, cancellationToken);
        await using var server = ShoalServer.Create(opened.Engine, options);
        await server.StartAsync(cancellationToken);
        var started = new ServeStarted([.. server.Urls.Select(u => u.ToString().TrimEnd('/'))], server.UdpEndpoint?.ToString(), opened.Engine.Name);
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
            Urls = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ApiKeys = [.. apiKeys.Select(k => ApiKey.Parse(k))],
            UdpEndpoint = udp is null ? null : ParseUdp(udp),
            RateLimitPerSecond = rateLimit,
            MaxRequestBytes = maxBody,
            SessionTtl = sessionTtl,
            StatusInterval = statusInterval,
        };
        try
        {
            options.Validate();
        }
        catch (ShoalConfigurationException ex) when (ex.Field == "ShoalServerOptions.Urls")
        {
            throw new ShoalConfigurationException("--urls", ex.Message[(ex.Field.Length + 2)..]);
        }

        return options;
    }

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
            return ex.Message;
        }
    }
}

/// <summary>What <c>shoal serve --json</c> prints once it listens.</summary>
internal sealed record ServeStarted(IReadOnlyList<string> Urls, string? Udp, string Engine);
