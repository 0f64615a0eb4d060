using System.CommandLine;
using Shoal.Cli.Infrastructure;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Nats;

namespace Shoal.Cli.Nats;

/// <summary>
/// <c>shoal dev-cluster --servers 3 [--dir D] [--json]</c>: a local JetStream cluster on loopback, with the
/// <c>nats-server</c> on PATH, until Ctrl-C or SIGTERM; then the servers are stopped.
/// </summary>
internal static class DevClusterCommand
{
    public static Command Create()
    {
        var servers = new Option<int>("--servers")
        {
            Description = "nats-server processes (1 = one JetStream server; 3 or more = a JetStream cluster for R3 topics)",
            DefaultValueFactory = _ => 3,
        }.InRange(1, 9);
        var dir = new Option<string?>("--dir")
        {
            Description = "Where the servers keep data and logs (kept after exit); default a temporary directory, deleted on exit",
            HelpName = "DIR",
        };
        var json = CliOutput.CreateJsonOption();
        var command = new Command("dev-cluster", "Run a local NATS JetStream cluster on 127.0.0.1 for development and tests, until Ctrl-C")
        {
            servers, dir, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var options = new LocalNatsClusterOptions
            {
                Servers = parseResult.GetValue(servers),
                Directory = parseResult.GetValue(dir) is { Length: > 0 } d ? Path.GetFullPath(d) : null,
            };
            return output.RunAsync(() => RunAsync(options, output, parseResult.InvocationConfiguration.Error, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(LocalNatsClusterOptions options, CliOutput output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalNatsCluster.StartAsync(options, cancellationToken);
        var engine = cluster.EngineUri;
        var info = new DevClusterInfo([.. cluster.Urls], engine, cluster.Directory, [.. cluster.ProcessIds]);
        if (output.Json)
        {
            output.WriteJson(info, CliJsonContext.Default.DevClusterInfo);
        }
        else
        {
            output.Line($"NATS JetStream {(options.Servers == 1 ? "server" : $"cluster of {options.Servers} servers")} on loopback; data in {cluster.Directory}");
            foreach (var url in cluster.Urls)
            {
                output.Line($"  {url}");
            }

            output.Line($"engine URI: {engine}");
            output.Line("Press Ctrl-C to stop the servers.");
        }

        await output.Out.FlushAsync(CancellationToken.None);

        // SIGTERM and SIGINT stop the servers before the process exits (without this, SIGTERM ends the process at
        // once and the servers live on).
        using var stop = StopSignals.Listen(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C / SIGTERM: the normal way to stop; the servers stop as the cluster is disposed.
        }

        await error.WriteLineAsync("dev-cluster: stopping the servers.");
        return ExitCodes.Ok;
    }
}

/// <summary>The <c>--json</c> object of <c>shoal dev-cluster</c>.</summary>
internal sealed record DevClusterInfo(IReadOnlyList<string> Urls, string Engine, string Directory, IReadOnlyList<int> Pids);
