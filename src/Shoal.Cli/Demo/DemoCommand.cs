using System.CommandLine;
using System.CommandLine.Parsing;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Demo;

namespace Shoal.Cli.Demo;

/// <summary><c>shoal demo</c>: publish, handle, verify and report on the in-process engine.</summary>
internal static class DemoCommand
{
    public const int MaxPartitions = 100_000;

    /// <summary>Builds the command; <paramref name="runner"/> is null until the runtime provides one.</summary>
    public static Command Create(IDemoRunner? runner)
    {
        var defaults = new DemoSettings();
        var events = new Option<long>("--events")
        {
            Description = "Events to publish",
            DefaultValueFactory = _ => defaults.Events,
        }.AtLeast(1);
        var keys = new Option<int>("--keys")
        {
            Description = "Distinct event keys (events of one key are handled in order)",
            DefaultValueFactory = _ => defaults.Keys,
        }.AtLeast(1);
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions of the demo topic",
            DefaultValueFactory = _ => defaults.Partitions,
        }.InRange(1, MaxPartitions);
        var handlerMs = new Option<double>("--handler-ms")
        {
            Description = "Simulated work per event, in milliseconds (0 = none)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 3_600_000);
        var nodes = new Option<int>("--nodes")
        {
            Description = "Members of the group's cluster at the start (1: a single node, no cluster)",
            DefaultValueFactory = _ => DefaultNodes,
        }.InRange(1, 64);
        var kill = new Option<int?>("--kill")
        {
            Description = "Members crashed abruptly at mid-run: no hand-over, no commit (default 1 when nodes > 1)",
        };
        var join = new Option<int>("--join")
        {
            Description = "Members that join later in the run",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 64);
        var pause = new Option<int>("--pause")
        {
            Description = "Members frozen for twice the session TTL, then resumed (zombies)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 64);
        var assignor = new Option<Shoal.Cluster.AssignorKind>("--assignor")
        {
            Description = "How partitions are spread over members",
            DefaultValueFactory = _ => defaults.Assignor,
            CustomParser = ClusterOptionRules.ParseAssignor,
            HelpName = "round-robin|range|sticky|consistent-hashing|weighted",
        };
        var forceCluster = new Option<bool>("--cluster")
        {
            Description = "Run the cluster layer even with one member (to compare member counts like for like)",
        };
        var heartbeat = DurationOptions.Create("--heartbeat", defaults.Heartbeat, "How often members heartbeat and renew leases").Positive();
        var sessionTtl = DurationOptions.Create("--session-ttl", defaults.SessionTtl, "A member silent this long is dead; its leases expire").Positive();
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Keys handled concurrently per partition",
            DefaultValueFactory = _ => defaults.Concurrency,
        }.InRange(1, 1_000_000);
        var producers = new Option<int?>("--producers")
        {
            Description = "Producers publishing at once, each owning a share of the keys (default 1 on inproc://, 8 on engines that wait for a disk or network)",
        };
        var format = new Option<SerializationFormat>("--format")
        {
            Description = "Payload encoding of the demo events",
            DefaultValueFactory = _ => defaults.Format,
            CustomParser = ParseFormat,
            HelpName = "json|messagepack|protobuf|xml",
        };
        var engine = Shoal.Cli.Engines.EngineUris.CreateOption("The engine to run on (default: a private in-process engine; others get a fresh demo-XXXXXXXX topic)");
        var json = CliOutput.CreateJsonOption();

        var command = new Command("demo", "Publish events over many keys, handle them, verify nothing was lost or reordered, and report")
        {
            events, keys, partitions, handlerMs, nodes, kill, join, pause, assignor, forceCluster, heartbeat, sessionTtl, concurrency, producers, format, engine, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new DemoSettings
            {
                Events = parseResult.GetValue(events),
                Keys = parseResult.GetValue(keys),
                Partitions = parseResult.GetValue(partitions),
                HandlerWork = TimeSpan.FromMilliseconds(parseResult.GetValue(handlerMs)),
                Nodes = parseResult.GetValue(nodes),
                Kill = parseResult.GetValue(kill) ?? (parseResult.GetValue(nodes) > 1 ? 1 : 0),
                Join = parseResult.GetValue(join),
                Pause = parseResult.GetValue(pause),
                Assignor = parseResult.GetValue(assignor),
                ForceCluster = parseResult.GetValue(forceCluster),
                Heartbeat = parseResult.GetValue(heartbeat),
                SessionTtl = parseResult.GetValue(sessionTtl),
                Concurrency = parseResult.GetValue(concurrency),
                Producers = parseResult.GetValue(producers) ?? DemoSettings.DefaultProducers(parseResult.GetValue(engine)!),
                Format = parseResult.GetValue(format),
                Engine = parseResult.GetValue(engine)!,
            };
            return output.RunAsync(() => RunAsync(runner, Validate(settings), output, cancellationToken), cancellationToken);
        });
        return command;
    }

    /// <summary>Checks the options that depend on each other; a problem is a usage error (exit 2) naming the options.</summary>
    private static DemoSettings Validate(DemoSettings settings)
    {
        var members = settings.Nodes + settings.Join;
        if (settings.Kill < 0)
        {
            throw new ShoalConfigurationException("--kill", $"must be at least 0; was {settings.Kill}.");
        }

        if (settings.Kill > settings.Nodes - 1 || settings.Kill + settings.Pause > members - 1)
        {
            throw new ShoalConfigurationException("--kill/--pause",
                $"{settings.Kill} crashed and {settings.Pause} paused of {members} members leaves no member to take their partitions over; keep at least one running.");
        }

        ClusterOptionRules.CheckSessionTtl(settings.Heartbeat, settings.SessionTtl);
        if (settings.Pause > 0 && settings.SessionTtl > Durations.Max / 2)
        {
            throw new ShoalConfigurationException("--session-ttl",
                $"with --pause, members are frozen for twice the session TTL, and a timer waits {Durations.Format(TimeSpan.FromHours(Math.Floor(Durations.Max.TotalHours)))} at most: give at most half that; was {Durations.Format(settings.SessionTtl)}.");
        }

        if (settings.Producers is < 1 or > 64)
        {
            throw new ShoalConfigurationException("--producers", $"must be between 1 and 64; was {settings.Producers}.");
        }

        return settings;
    }

    /// <summary>The demo runs a cluster of three members by default (issue: cluster demo); <c>--nodes 1</c> for one node.</summary>
    public const int DefaultNodes = 3;

    private static SerializationFormat ParseFormat(ArgumentResult result) =>
        EnumTokens.Parse<SerializationFormat>(result, "--format", "a payload format", "json, messagepack, protobuf or xml");

    private static async Task<int> RunAsync(IDemoRunner? runner, DemoSettings settings, CliOutput output, CancellationToken cancellationToken)
    {
        if (runner is null)
        {
            return output.Fail("demo runner not wired yet.");
        }

        var report = settings.IsCluster
            ? await ClusterLiveView.RunAsync(output, settings.Events, progress => runner.RunAsync(settings, progress, cancellationToken))
            : await ProgressDisplay.RunAsync(output, "Handling events", settings.Events, progress => runner.RunAsync(settings, new HandledOnly(progress), cancellationToken));
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.DemoReport);
        }
        else
        {
            DemoReportPrinter.Print(output, report);
        }

        return report.ExitCode();
    }

    /// <summary>A single-node run's progress: the handled count on the progress bar.</summary>
    private sealed class HandledOnly(IProgress<long> bar) : IDemoProgress
    {
        public void Handled(long count) => bar.Report(count);

        public void Cluster(ClusterSnapshot snapshot)
        {
        }
    }
}
