using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster;
using Shoal.Scenarios.Workload;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal worker</c>: one member of a group's cluster, until Ctrl+C / SIGTERM (graceful hand-over).</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var engine = new EngineOption();
        var topic = VerbOptions.Topic("The topic to consume (on nats:// the worker waits until it exists; elsewhere it must exist)");
        var group = VerbOptions.Group("The consumer group this worker joins");
        var handler = new Option<WorkerHandler>("--handler")
        {
            Description = "What to do with each event: verify (record it in the engine for 'shoal verify'), noop, or sleep:MS",
            Required = true,
            CustomParser = ParseHandler,
            HelpName = "verify|noop|sleep:MS",
        };
        var memberId = new Option<string>("--member-id")
        {
            Description = "This member's id; keep it stable across restarts (default: host name and process id)",
            HelpName = "id",
        }.Check(value => value is null || NameRules.IsValid(value)
            ? null
            : $"'{value}' is not a valid member id: use 1-200 characters of A-Z a-z 0-9 - _ . starting with a letter or digit.");
        var weight = new Option<double>("--weight")
        {
            Description = "Relative share of partitions (for --assignor weighted)",
            DefaultValueFactory = _ => 1,
        }.InRange(0, 1_000_000);
        var heartbeat = DurationOptions.Create("--heartbeat", ClusterOptions.Default.HeartbeatInterval, "How often the member heartbeats and renews its leases").Positive();
        var sessionTtl = DurationOptions.Create("--session-ttl", ClusterOptions.Default.SessionTtl, "A member silent this long is dead and its leases expire (at least twice --heartbeat)").Positive();
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Keys handled concurrently per partition",
            DefaultValueFactory = _ => 64,
        }.InRange(1, 100_000);
        var handlerConcurrency = new Option<int>("--handler-concurrency")
        {
            Description = "Handler calls running at once in this worker, over all its partitions, like a connection pool (0: no limit beyond --concurrency)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 1_000_000);
        var assignor = new Option<AssignorKind>("--assignor")
        {
            Description = "How the group spreads partitions over members (all members of a group should use the same)",
            DefaultValueFactory = _ => AssignorKind.Sticky,
            CustomParser = ClusterOptionRules.ParseAssignor,
            HelpName = "round-robin|range|sticky|consistent-hashing|weighted",
        };
        var maxRate = new Option<double>("--max-rate")
        {
            Description = "Handle at most this many events per second in this worker, over all its partitions (a member with a fixed capacity, for autoscaling demos and tests); 0 = no limit",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 1e9);
        var startupTimeout = DurationOptions.Create(
            "--startup-timeout", Worker.DefaultStartupTimeout,
            "How long transient engine errors (timeouts, a server restarting, a leader election) are retried while the worker starts, before it gives up; waiting for a topic that does not exist yet does not count")
            .Positive();
        var parentPid = new Option<int?>("--parent-pid")
        {
            Description = "Stop gracefully when this process (the supervisor that started the worker) is gone",
            Hidden = true,
        }.Check(value => value is null or > 0 ? null : $"must be a process id (1 or more); was {value}.");
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Log Shoal's runtime and cluster messages at this level and above to stderr (none: no log)",
            DefaultValueFactory = _ => LogLevel.None,
            CustomParser = r => EnumTokens.Parse<LogLevel>(r, "--log-level", "a log level", "none, error, warning, information, debug or trace"),
            HelpName = "none|error|warning|information|debug|trace",
        };
        var json = CliOutput.CreateJsonOption();

        var command = new Command("worker", "Run one member of a group until Ctrl+C or SIGTERM, which hand its partitions over before it exits")
        {
            topic, group, handler, memberId, weight, heartbeat, sessionTtl, concurrency, handlerConcurrency, assignor, maxRate, startupTimeout, parentPid, logLevel, json,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new WorkerSettings(
                engine.GetValue(parseResult, output.Error),
                parseResult.GetValue(topic)!,
                parseResult.GetValue(group)!,
                parseResult.GetValue(handler),
                parseResult.GetValue(memberId) ?? DefaultMemberId(),
                parseResult.GetValue(weight),
                parseResult.GetValue(heartbeat),
                parseResult.GetValue(sessionTtl),
                parseResult.GetValue(concurrency),
                parseResult.GetValue(assignor),
                parseResult.GetValue(maxRate),
                parseResult.GetValue(parentPid),
                parseResult.GetValue(logLevel))
            {
                HandlerConcurrency = parseResult.GetValue(handlerConcurrency),
                StartupTimeout = parseResult.GetValue(startupTimeout),
            };
            return output.RunAsync(() => RunAsync(settings, output, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(WorkerSettings settings, CliOutput output, CancellationToken cancellationToken)
    {
        ClusterOptionRules.CheckSessionTtl(settings.Heartbeat, settings.SessionTtl);
        var report = await Worker.RunAsync(settings, EngineUris.Services, output.Out, output.Error, output.Json, cancellationToken);
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.WorkerReport);
        }
        else if (report.StoppedBeforeJoining)
        {
            output.Line($"worker {report.MemberId} stopped before it joined group {report.Group}.");
        }
        else
        {
            output.Line($"worker {report.MemberId} stopped: handled {report.Handled}, failed attempts {report.Failed}, recorded {report.Recorded}, leases lost {report.LeasesLost}.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Parses <c>--handler</c>: <c>verify</c>, <c>noop</c> or <c>sleep:MS</c>.</summary>
    private static WorkerHandler ParseHandler(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (WorkerHandler.TryParse(token, out var handler))
        {
            return handler;
        }

        result.AddError($"--handler: '{token}' is not a handler; use verify, noop or sleep:MS (milliseconds, e.g. sleep:2).");
        return default;
    }

    /// <summary>The host name (characters a name may not hold become '-') and the process id.</summary>
    private static string DefaultMemberId()
    {
        var host = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
        var id = $"{host.TrimStart('-', '_', '.')}-{Environment.ProcessId}";
        return NameRules.IsValid(id) ? id : $"worker-{Environment.ProcessId}";
    }
}
