using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Autoscaling;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Cli.Verbs;
using Shoal.Cluster;
using Shoal.Cluster.Autoscaling;
using Shoal.Engine;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Workload;

namespace Shoal.Cli.Supervise;

/// <summary>
/// <c>shoal supervise --engine URI --topic T --group G --min 1 --max 8 [policy options] [-- worker options]</c>: runs
/// <c>shoal worker</c> processes and scales them with the autoscaling policy until Ctrl-C or SIGTERM.
/// </summary>
internal static class SuperviseCommand
{
    /// <summary>Worker options the supervisor sets itself; given after <c>--</c> they are an error.</summary>
    private static readonly string[] Reserved = ["--engine", "--engine-file", "--topic", "--group", "--member-id", "--parent-pid", "--json"];

    public static Command Create()
    {
        var policyDefaults = AutoscaleOptions.Default;
        var engine = new EngineOption();
        var topic = VerbOptions.Topic("The topic the workers consume (must exist)");
        var group = VerbOptions.Group("The consumer group the workers join");
        var min = new Option<int>("--min")
        {
            Description = "Fewest workers",
            DefaultValueFactory = _ => 1,
        }.InRange(1, 1000);
        var max = new Option<int>("--max")
        {
            Description = "Most workers (the policy also never asks for more than the topic's partitions)",
            DefaultValueFactory = _ => 8,
        }.InRange(1, 1000);
        var interval = DurationOptions.Create("--interval", TimeSpan.FromSeconds(5), "How often to sample lag and rates and decide");
        var targetLag = new Option<long>("--target-lag")
        {
            Description = $"Lag (events over all partitions) the group may carry without extra workers (default {policyDefaults.TargetLag})",
            DefaultValueFactory = _ => policyDefaults.TargetLag,
        }.AtLeast(0);
        var startup = DurationOptions.Create("--startup", policyDefaults.MemberStartupTime, "How long a new worker takes to start and take partitions");
        var tolerance = new Option<double>("--tolerance")
        {
            Description = $"No change while the needed capacity is within this fraction of the current (default {policyDefaults.Tolerance.ToString(CultureInfo.InvariantCulture)})",
            DefaultValueFactory = _ => policyDefaults.Tolerance,
        }.InRange(0, 0.99);
        var policy = new PolicyOptions(policyDefaults);
        var stopTimeout = DurationOptions.Create("--stop-timeout", TimeSpan.FromSeconds(45), "After SIGTERM, how long a worker may take to hand over before it is killed");
        var logs = new Option<string?>("--logs")
        {
            Description = "Append each worker's output to DIR/MEMBER.log (default: keep only its last error lines, shown if it crashes)",
            HelpName = "DIR",
        };
        var memberPrefix = new Option<string?>("--member-prefix")
        {
            Description = "Workers are PREFIX-1, PREFIX-2, … in start order (default: the group, the host and the supervisor's pid)",
            HelpName = "PREFIX",
        }.Check(value => value is null || NameRules.IsValid(value + "-1") ? null : $"'{value}' cannot start a member id: use A-Z a-z 0-9 - _ . starting with a letter or digit.");
        var json = CliOutput.CreateJsonOption();
        var workerOptions = new Argument<string[]>("worker-options")
        {
            Description = "Options for each 'shoal worker', after --, e.g. -- --handler verify --concurrency 16 (not --engine, --topic, --group, --member-id: the supervisor sets those)",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("supervise", "Run 'shoal worker' processes for a group and add or remove them as the autoscaling policy decides, until Ctrl-C or SIGTERM")
        {
            topic, group, min, max, interval, targetLag, startup, tolerance, stopTimeout, logs, memberPrefix, json, workerOptions,
        };
        engine.AddTo(command);
        foreach (var option in policy.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(() =>
            {
                var settings = new SuperviseSettings(
                    engine.GetValue(parseResult, output.Error),
                    parseResult.GetValue(topic)!,
                    parseResult.GetValue(group)!,
                    parseResult.GetValue(workerOptions) ?? [],
                    parseResult.GetValue(logs) is { Length: > 0 } dir ? Path.GetFullPath(dir) : null,
                    new SupervisorOptions
                    {
                        MinWorkers = parseResult.GetValue(min),
                        MaxWorkers = parseResult.GetValue(max),
                        Interval = parseResult.GetValue(interval),
                        StopTimeout = parseResult.GetValue(stopTimeout),
                        MemberPrefix = parseResult.GetValue(memberPrefix) ?? DefaultPrefix(parseResult.GetValue(group)!),
                    },
                    policy.Apply(parseResult, policyDefaults) with
                    {
                        MinMembers = parseResult.GetValue(min),
                        MaxMembers = parseResult.GetValue(max),
                        TargetLag = parseResult.GetValue(targetLag),
                        MemberStartupTime = parseResult.GetValue(startup),
                        Tolerance = parseResult.GetValue(tolerance),
                    });
                return RunAsync(settings, output, cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(SuperviseSettings settings, CliOutput output, CancellationToken cancellationToken)
    {
        if (settings.Supervisor.Interval <= TimeSpan.Zero)
        {
            throw new ShoalConfigurationException("--interval", "must be more than 0.");
        }

        if (settings.Supervisor.MaxWorkers < settings.Supervisor.MinWorkers)
        {
            throw new ShoalConfigurationException("--max", $"must be at least --min ({settings.Supervisor.MinWorkers}); was {settings.Supervisor.MaxWorkers}.");
        }

        settings.Policy.Validate();
        var worker = CheckWorkerOptions(settings);
        if (settings.Engine.StartsWith(EngineUris.InProcess, StringComparison.Ordinal))
        {
            throw new ShoalConfigurationException("--engine", $"{ShoalEngines.Redact(settings.Engine)} lives inside one process, so worker processes cannot share it; use an engine such as nats://.");
        }

        // Started as a server restarts (a JetStream leader election, a timeout) or before it is up: transient errors are
        // retried, each said on stderr, for as long as its workers would retry their own start (their --startup-timeout).
        var startup = new StartupRetries(worker.StartupTimeout, EngineRetries.ReportTo(output.Error), cancellationToken);
        await using var engine = await startup.RunAsync(attempt => ShoalEngines.OpenAsync(settings.Engine, EngineUris.Services, attempt), "connecting");
        var description = await startup.RunAsync(attempt => engine.Log.DescribeTopicAsync(settings.Topic, attempt), "reading the topic")
            ?? throw new ShoalException(
                $"topic '{settings.Topic}' does not exist on {ShoalEngines.Redact(settings.Engine)}; create it first, e.g. shoal produce --topic {settings.Topic} --events 1000 --keys 10 with the same engine.");
        var observer = new AutoscaleObserver(engine, settings.Topic, settings.Group, TimeProvider.System,
            new ClusterOptions { HeartbeatInterval = worker.Heartbeat, SessionTtl = worker.SessionTtl });
        var autoscaler = new Autoscaler(observer, settings.Policy);
        var launcher = WorkerProcessLauncher.Create(
            settings.Engine,
            ["--topic", settings.Topic, "--group", settings.Group, .. settings.WorkerArguments],
            settings.LogDirectory);

        // SIGTERM and SIGINT stop the workers gracefully before the supervisor exits (the token System.CommandLine gives
        // is cancelled too, but this also covers the time it would otherwise allow before ending the process).
        using var stop = StopSignals.Listen(cancellationToken);

        var heading = $"supervise: group {settings.Group} on topic {settings.Topic} ({description.Partitions} partitions), {settings.Supervisor.MinWorkers}-{settings.Supervisor.MaxWorkers} workers, " +
            $"deciding every {Durations.Format(settings.Supervisor.Interval)}, engine {ShoalEngines.Redact(settings.Engine)}. Ctrl-C or SIGTERM stops the workers gracefully.";
        var summary = await SupervisorView.RunAsync(output, heading, report =>
        {
            var supervisor = new Supervisor(
                settings.Supervisor,
                launcher,
                async (current, ct) =>
                {
                    var decision = await autoscaler.EvaluateAsync(current, ct);
                    return new SupervisorTick(decision, autoscaler.LastSample);
                },
                report,
                TimeProvider.System);
            return (supervisor, supervisor.RunAsync(settings.Topic, settings.Group, stop.Token));
        });

        if (output.Json)
        {
            output.WriteJson(summary, CliJsonContext.Default.SupervisorSummary);
        }
        else
        {
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"supervise stopped: {summary.Decisions} decisions, {summary.ScaleUps} scale-ups (+{summary.WorkersAdded}), {summary.ScaleDowns} scale-downs (-{summary.WorkersRemoved}), " +
                $"{summary.Restarts} restarts, {summary.Killed} killed, peak {summary.PeakWorkers} workers, {summary.WorkerSeconds:0.#} worker-seconds."));
        }

        return summary.UncleanExits > 0 || summary.Killed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>
    /// Parses the worker options as <c>shoal worker</c> would (with the supervisor's engine, topic and group), so a
    /// mistake is reported now, once, rather than by every worker it starts.
    /// </summary>
    private static WorkerSettingsCheck CheckWorkerOptions(SuperviseSettings settings)
    {
        foreach (var argument in settings.WorkerArguments)
        {
            var name = argument.Split('=', 2)[0];
            if (Reserved.Contains(name, StringComparer.Ordinal))
            {
                throw new ShoalConfigurationException("worker options", $"{name} is set by the supervisor; give it to 'shoal supervise' instead (before --), not after --.");
            }
        }

        var parse = WorkerCommand.Create().Parse(
            ["--engine", settings.Engine, "--topic", settings.Topic, "--group", settings.Group, "--member-id", "check-1", .. settings.WorkerArguments]);
        if (parse.Errors.Count > 0)
        {
            throw new ShoalConfigurationException("worker options", string.Join(" ", ParseErrorText.Describe(parse)) + " (the options after -- go to each 'shoal worker'; see 'shoal worker --help').");
        }

        return new WorkerSettingsCheck(
            parse.GetValue<TimeSpan>("--heartbeat"),
            parse.GetValue<TimeSpan>("--session-ttl"),
            parse.GetValue<TimeSpan>("--startup-timeout"));
    }

    private static string DefaultPrefix(string group)
    {
        var host = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{group}-{host}-{Environment.ProcessId}");
        return NameRules.IsValid(prefix + "-1") ? prefix : string.Create(CultureInfo.InvariantCulture, $"sup-{Environment.ProcessId}");
    }

    private sealed record WorkerSettingsCheck(TimeSpan Heartbeat, TimeSpan SessionTtl, TimeSpan StartupTimeout);
}

/// <summary>The parsed options of <c>shoal supervise</c>.</summary>
internal sealed record SuperviseSettings(
    string Engine,
    string Topic,
    string Group,
    IReadOnlyList<string> WorkerArguments,
    string? LogDirectory,
    SupervisorOptions Supervisor,
    AutoscaleOptions Policy);
