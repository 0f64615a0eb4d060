using System.CommandLine;
using Microsoft.Extensions.Logging;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal worker</c>: one member of a group's cluster, until Ctrl+C / SIGTERM (graceful hand-over).</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var engine = EngineUris.CreateOption();
        var topic = VerbOptions.Topic("The topic to consume (on nats:// the worker waits until it exists; elsewhere it must exist)");
        var group = VerbOptions.Group("The consumer group this worker joins");
        var handler = new Option<WorkerHandler>("--handler")
        {
            Description = "What to do with each event: verify (record it in the engine for 'shoal verify'), noop, or sleep:MS",
            Required = true,
            CustomParser = WorkerHandler.Parse,
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
            engine, topic, group, handler, memberId, weight, heartbeat, sessionTtl, concurrency, handlerConcurrency, assignor, maxRate, startupTimeout, parentPid, logLevel, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new WorkerSettings(
                parseResult.GetValue(engine)!,
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
            return output.RunAsync(() => Worker.RunAsync(settings, output, cancellationToken), cancellationToken);
        });
        return command;
    }

    /// <summary>The host name (characters a name may not hold become '-') and the process id.</summary>
    private static string DefaultMemberId()
    {
        var host = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
        var id = $"{host.TrimStart('-', '_', '.')}-{Environment.ProcessId}";
        return NameRules.IsValid(id) ? id : $"worker-{Environment.ProcessId}";
    }
}

/// <summary>The parsed options of <c>shoal worker</c>.</summary>
internal sealed record WorkerSettings(
    string Engine,
    string Topic,
    string Group,
    WorkerHandler Handler,
    string MemberId,
    double Weight,
    TimeSpan Heartbeat,
    TimeSpan SessionTtl,
    int Concurrency,
    AssignorKind Assignor,
    double MaxRate = 0,
    int? ParentPid = null,
    LogLevel LogLevel = LogLevel.None)
{
    /// <summary>Handler calls at once in the process (0: unlimited).</summary>
    public int HandlerConcurrency { get; init; }

    /// <summary>How long transient engine errors are retried while the worker starts.</summary>
    public TimeSpan StartupTimeout { get; init; } = Worker.DefaultStartupTimeout;
}

/// <summary>What <c>shoal worker --json</c> prints when it stops.</summary>
internal sealed record WorkerReport
{
    public required string MemberId { get; init; }

    public required string Group { get; init; }

    public required string Topic { get; init; }

    public required string Handler { get; init; }

    /// <summary>Events this worker handled successfully.</summary>
    public long Handled { get; init; }

    /// <summary>Handler attempts that failed (retried or dead-lettered).</summary>
    public long Failed { get; init; }

    /// <summary>Records appended by the verify handler.</summary>
    public long Recorded { get; init; }

    /// <summary>Leases this worker lost (taken over after it failed to renew them in time, or fenced).</summary>
    public long LeasesLost { get; init; }

    /// <summary>Commits rejected because a newer owner had fenced the partition.</summary>
    public long CommitsRejected { get; init; }
}
