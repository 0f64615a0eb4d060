using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Hosting.Processes;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// Runs <c>shoal worker</c>: a <see cref="ShoalNode"/> whose group is in <see cref="PartitionOwnership.Assigned"/> mode,
/// so its <see cref="ClusterMember"/> takes a share of partitions through fenced leases. All state lives in the
/// engine (offsets, leases, membership, verify records), so workers in different processes share one group.
/// </summary>
public static class Worker
{
    /// <summary>Default of <c>--startup-timeout</c>: rides out a server restart and a JetStream leader election (seconds), not an engine that is gone.</summary>
    public static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How often a worker waiting for its topic looks again, and how often it says it is still waiting.</summary>
    private static readonly TimeSpan TopicPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan WaitingNotice = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Watch = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs the worker until <paramref name="cancellationToken"/> is cancelled (or its supervisor is gone), then hands
    /// its partitions over and returns what it did.
    /// </summary>
    /// <param name="settings">The worker's options.</param>
    /// <param name="services">What the engine gets (its logger).</param>
    /// <param name="output">Where the worker says what it owns as that changes (unless <paramref name="json"/>), and why it stopped by itself.</param>
    /// <param name="error">Where start-up retries and waiting for the topic are reported.</param>
    /// <param name="json">True when only the report is wanted on <paramref name="output"/> (<c>--json</c>).</param>
    /// <param name="cancellationToken">The graceful stop (Ctrl+C, SIGTERM).</param>
    public static async Task<WorkerReport> RunAsync(
        WorkerSettings settings, EngineServices services, TextWriter output, TextWriter error, bool json, CancellationToken cancellationToken)
    {
        var startup = new StartupRetries(settings.StartupTimeout, EngineRetries.ReportTo(error), cancellationToken);
        // The engine's connection notices a dead server within the member's session (docs/nats.md, Liveness).
        services = services with { SessionTtl = settings.SessionTtl, HeartbeatInterval = settings.Heartbeat };

        // --log-level covers the engine too, in the same format (without it, the engine's warnings go where the caller said).
        using var logging = settings.LogLevel == LogLevel.None ? NullLoggerFactory.Instance : WorkerLog.Create(settings.LogLevel, Console.Error);
        if (settings.LogLevel != LogLevel.None)
        {
            services = services with { LoggerFactory = logging };
        }

        IShoalEngine opened;
        try
        {
            opened = await startup.RunAsync(attempt => ShoalEngines.OpenAsync(settings.Engine, services, attempt), "connecting");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StoppedBeforeStart(settings);
        }

        await using var engine = opened;
        TopicDescription topic;
        try
        {
            topic = await TopicAsync(engine, settings, error, startup, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StoppedBeforeStart(settings);
        }

        HandledRecorder? recorder = null;
        if (settings.Handler.Kind == WorkerHandlerKind.Verify)
        {
            try
            {
                var records = await startup.RunAsync(attempt => engine.Log.CreateTopicAsync(HandledRecord.TopicOptionsFor(settings.Topic, settings.Group, topic.Partitions), attempt), "creating the record topic");
                recorder = new HandledRecorder(engine.Log, records.Name);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return StoppedBeforeStart(settings);
            }
        }

        var options = new ShoalOptions
        {
            LoggerFactory = logging,
            EventTypes = ProducedEvent.Registry(),
            Serializers = ProducedEvent.Serializers(),
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions
                    {
                        Name = settings.Group,
                        Topic = settings.Topic,
                        MaxConcurrency = settings.Concurrency,
                        CommitInterval = CommitInterval,
                        PartitionOwnership = PartitionOwnership.Assigned,
                    },
                    Handlers = [Handler(settings, recorder)],
                },
            ],
        };
        var member = new ClusterMemberOptions
        {
            MemberId = settings.MemberId,
            Weight = settings.Weight,
            Capacity = settings.Concurrency,
            Assignor = settings.Assignor,
            Cluster = new ClusterOptions { HeartbeatInterval = settings.Heartbeat, SessionTtl = settings.SessionTtl },
        };
        ShoalNode started;
        try
        {
            started = await StartNodeAsync(engine, options, settings.Group, member, startup);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node stopped what it had started: a member record the first heartbeat wrote is deleted, not left to expire.
            return StoppedBeforeStart(settings);
        }

        await using var node = started;
        var runtime = node.Runtime;
        var joined = node.GetMember(settings.Group);
        if (!json)
        {
            output.WriteLine($"worker {settings.MemberId}: group {settings.Group} on topic {settings.Topic} ({topic.Partitions} partitions), engine {ShoalEngines.Redact(settings.Engine)}, handler {settings.Handler}.");
            output.WriteLine("Ctrl+C or SIGTERM hands its partitions over and stops.");
        }

        try
        {
            var shown = string.Empty;
            while (true)
            {
                await Task.Delay(Watch, cancellationToken);
                if (settings.ParentPid is { } parent && !ProcessSignals.IsParentAlive(parent))
                {
                    // The supervisor that started this worker is gone (killed): hand over and stop rather than run orphaned.
                    output.WriteLine($"worker {settings.MemberId}: its supervisor (pid {parent}) is gone; stopping.");
                    break;
                }

                var owned = string.Join(",", joined.OwnedPartitions.OrderBy(p => p.Key).Select(p => $"{p.Key}@{p.Value}"));
                if (!json && owned != shown)
                {
                    shown = owned;
                    output.WriteLine($"owns partitions (partition@epoch): {(owned.Length == 0 ? "none" : owned)}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Graceful stop: below.
        }

        // Hand every partition over (stop fetching, drain, commit, release the lease), leave the group, stop.
        await node.StopAsync(CancellationToken.None);
        var group = runtime.GetGroup(settings.Group);
        var report = new WorkerReport
        {
            MemberId = settings.MemberId,
            Group = settings.Group,
            Topic = settings.Topic,
            Handler = settings.Handler.ToString(),
            Handled = group.Counts.Handled,
            Failed = group.Counts.Failed,
            Recorded = recorder?.Recorded ?? 0,
            LeasesLost = joined.LeasesLost,
            CommitsRejected = group.CommitsRejected,
        };
        return report;
    }

    /// <summary>
    /// The node (runtime and cluster member), started; a start that fails with a transient engine error is retried with
    /// a new node within the start-up deadline. A start that fails or is cancelled stopped what it had started.
    /// </summary>
    private static Task<ShoalNode> StartNodeAsync(
        IShoalEngine engine, ShoalOptions options, string group, ClusterMemberOptions member, StartupRetries startup) =>
        startup.RunAsync(async ValueTask<ShoalNode> (attempt) =>
        {
            // A node whose start failed is not started again: a new one is.
            var created = ShoalNode.Create(engine, options, new Dictionary<string, ClusterMemberOptions> { [group] = member });
            try
            {
                await created.StartAsync(attempt);
                return created;
            }
            catch
            {
                await created.DisposeAsync();
                throw;
            }
        }, "starting the group");

    /// <summary>
    /// The topic's description. When it does not exist: on an engine other processes share (NATS), waits for a producer
    /// to create it, saying so on stderr every 10 s, until it exists or the worker is stopped; elsewhere (nobody else
    /// can create it while this worker runs) an error.
    /// </summary>
    private static async Task<TopicDescription> TopicAsync(IShoalEngine engine, WorkerSettings settings, TextWriter error, StartupRetries startup, CancellationToken cancellationToken)
    {
        var shared = EngineUriSchemes.SharedBetweenProcesses(settings.Engine);
        var waiting = Stopwatch.StartNew();
        var noticed = TimeSpan.MinValue;
        while (true)
        {
            if (await startup.RunAsync(attempt => engine.Log.DescribeTopicAsync(settings.Topic, attempt), "reading the topic") is { } topic)
            {
                if (noticed != TimeSpan.MinValue)
                {
                    error.WriteLine($"worker {settings.MemberId}: topic '{settings.Topic}' exists now ({topic.Partitions} partitions); joining group {settings.Group}.");
                }

                return topic;
            }

            if (!shared)
            {
                // An inproc:// engine lives inside this process: no other process (shoal produce) can create its topics.
                throw new ShoalException(settings.Engine.StartsWith(EngineUriSchemes.InProcess, StringComparison.Ordinal)
                    ? $"topic '{settings.Topic}' does not exist on {ShoalEngines.Redact(settings.Engine)}, and cannot: an inproc:// engine lives inside this one process, so no other process can create its topics; share a topic with 'shoal produce' through file://DIR or nats://."
                    : $"topic '{settings.Topic}' does not exist on {ShoalEngines.Redact(settings.Engine)}; create it first, e.g. shoal produce --engine {ShoalEngines.Redact(settings.Engine)} --topic {settings.Topic} --events 1000 --keys 10.");
            }

            if (noticed == TimeSpan.MinValue)
            {
                noticed = waiting.Elapsed;
                error.WriteLine(
                    $"worker {settings.MemberId}: waiting for topic '{settings.Topic}' on {engine.Name}, which does not exist yet; it joins group {settings.Group} once a producer creates it. Ctrl+C or SIGTERM stops it.");
            }
            else if (waiting.Elapsed - noticed >= WaitingNotice)
            {
                noticed = waiting.Elapsed;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"worker {settings.MemberId}: still waiting for topic '{settings.Topic}' ({waiting.Elapsed.TotalSeconds:0} s so far)."));
            }

            await Task.Delay(TopicPoll, cancellationToken);
        }
    }

    /// <summary>Stopped (Ctrl+C, SIGTERM) before it joined the group: nothing to hand over, a clean stop.</summary>
    private static WorkerReport StoppedBeforeStart(WorkerSettings settings) =>
        new() { MemberId = settings.MemberId, Group = settings.Group, Topic = settings.Topic, Handler = settings.Handler.ToString(), StoppedBeforeJoining = true };

    private static HandlerRegistration Handler(WorkerSettings settings, HandledRecorder? recorder)
    {
        var handle = Handle(settings, recorder);
        if (settings.MaxRate <= 0 && settings.HandlerConcurrency == 0)
        {
            return HandlerRegistration.For(handle);
        }

        // A member with a fixed capacity (--max-rate): every event of the worker, whatever its partition, waits for
        // its turn first. One limit of calls at once for the whole process (--handler-concurrency), as a connection
        // pool would be: the runtime may start more calls (up to --concurrency per partition); they wait for a slot.
        var pacer = settings.MaxRate > 0 ? new RatePacer(settings.MaxRate, TimeProvider.System) : null;
        var slots = settings.HandlerConcurrency > 0 ? new SemaphoreSlim(settings.HandlerConcurrency, settings.HandlerConcurrency) : null;
        return HandlerRegistration.For<ProducedEvent>(async (e, context, ct) =>
        {
            if (pacer is not null)
            {
                await pacer.WaitTurnAsync(ct);
            }

            if (slots is null)
            {
                await handle(e, context, ct);
                return;
            }

            await slots.WaitAsync(ct);
            try
            {
                await handle(e, context, ct);
            }
            finally
            {
                slots.Release();
            }
        });
    }

    private static Func<ProducedEvent, EventContext, CancellationToken, ValueTask> Handle(WorkerSettings settings, HandledRecorder? recorder)
    {
        var member = settings.MemberId;
        return settings.Handler.Kind switch
        {
            WorkerHandlerKind.Verify => (e, context, ct) => new ValueTask(recorder!.RecordAsync(new HandledRecord
            {
                EventId = context.Id,
                Key = e.Key,
                Seq = e.Seq,
                RunId = e.RunId,
                Member = member,
                Partition = context.Partition,
                Offset = context.Offset,
                Epoch = context.Epoch,
            }).WaitAsync(ct)),
            WorkerHandlerKind.Sleep => (_, _, ct) => new ValueTask(Task.Delay(settings.Handler.Sleep, ct)),
            _ => (_, _, _) => ValueTask.CompletedTask,
        };
    }
}
