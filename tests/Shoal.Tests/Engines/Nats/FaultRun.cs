using System.Globalization;
using Shoal.Cli.Infrastructure;
using Shoal.Cli.Verbs;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Workload;
using Shoal.Tests.Cli;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// The processes of one fault test: <c>shoal produce</c>, <c>shoal worker</c> and <c>shoal verify</c> run as real child
/// processes against one engine URI, and an engine connection of the test's own to watch the group (the
/// <c>shoal status</c> model). Disposing kills every process still running, so a failing test leaves nothing behind,
/// and writes each process's output to the test log.
/// </summary>
internal sealed class FaultRun : IAsyncDisposable
{
    public const string Topic = "orders";
    public const string Group = "billing";
    public const int Keys = 1000;
    public const int Partitions = 12;
    private const string ProducerName = "producer";

    private readonly ITestOutputHelper _log;
    private readonly List<ChildProcess> _processes = [];
    private readonly HashSet<string> _expectedToExit = new(StringComparer.Ordinal);
    private readonly Func<string, string[], ChildProcess> _start;
    private IShoalEngine? _watcher;

    /// <param name="engine">The engine URI every process gets unless told otherwise.</param>
    /// <param name="log">The test's output.</param>
    /// <param name="start">Starts <c>shoal</c> with a name and arguments; by default <see cref="VerbRunner.StartProcess"/> (partition tests start each in its network namespace).</param>
    public FaultRun(string engine, ITestOutputHelper log, Func<string, string[], ChildProcess>? start = null)
    {
        Engine = engine;
        _log = log;
        _start = start ?? VerbRunner.StartProcess;
    }

    /// <summary>The name of the <see cref="Produce"/> process.</summary>
    public static string Producer => ProducerName;

    /// <summary>The engine URI every process gets unless told otherwise.</summary>
    public string Engine { get; }

    /// <summary>
    /// Events per run: the issue's 100,000 (the producer is paced to about ten seconds whatever the count, so this costs
    /// CI little more than 20,000 did); <c>SHOAL_FAULT_EVENTS=N</c> overrides it (docs/testing.md).
    /// </summary>
    public static int Events =>
        int.TryParse(Environment.GetEnvironmentVariable("SHOAL_FAULT_EVENTS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 100_000;

    /// <summary>Starts <c>shoal produce</c> of <paramref name="events"/> R3 events at <paramref name="rate"/> a second (by default paced to take about ten seconds).</summary>
    public ChildProcess Produce(int events, string? engine = null, int? rate = null) =>
        Start(ProducerName,
        [
            "produce", "--engine", engine ?? Engine, "--topic", Topic, "--events", Invariant(events), "--keys", Invariant(Keys),
            "--partitions", Invariant(Partitions), "--replicas", "3", "--rate", Invariant(rate ?? Math.Max(1000, events / 10)), "--json",
        ]);

    /// <summary>
    /// Starts <c>shoal worker --handler verify --heartbeat 200ms --session-ttl 1s</c> as <paramref name="member"/>, with
    /// <c>--parent-pid</c> of the test host, so a worker outlives no test host.
    /// </summary>
    public ChildProcess StartWorker(string member, string? engine = null) =>
        Start(member,
        [
            "worker", "--engine", engine ?? Engine, "--topic", Topic, "--group", Group, "--handler", "verify", "--member-id", member,
            "--heartbeat", "200ms", "--session-ttl", "1s", "--log-level", "warning",
            "--parent-pid", Invariant(Environment.ProcessId),
        ]);

    /// <summary>
    /// Starts the workers one after another — the first creates the record and dead-letter topics (two dozen R3
    /// streams), which a loaded machine is slow to do for three at once — and waits until all of them own partitions.
    /// </summary>
    public async Task<ChildProcess[]> StartWorkersAsync(params (string Member, string? Engine)[] members)
    {
        var workers = new List<ChildProcess>();
        foreach (var (member, engine) in members)
        {
            workers.Add(StartWorker(member, engine));
            await UntilAsync(s => Owners(s).Values.Any(o => o.Owner == member), $"{member} owning partitions", 90);
        }

        await UntilAsync(s => Owners(s).Values.Select(o => o.Owner).Distinct().Count() == members.Length, "every worker owning partitions", 90);
        return [.. workers];
    }

    /// <summary>SIGKILLs <paramref name="process"/> and waits until it is gone.</summary>
    public async Task KillAsync(ChildProcess process)
    {
        _expectedToExit.Add(process.Name);
        await process.KillAsync();
        _log.WriteLine($"{Now()} SIGKILLed {process.Name}");
    }

    /// <summary>Runs <c>shoal verify --wait 60s --json</c> as a child process.</summary>
    public async Task<VerbResult> VerifyAsync()
    {
        var result = await VerbRunner.RunProcessAsync(["verify", "--engine", Engine, "--topic", Topic, "--group", Group, "--wait", "60s", "--json"], 90);
        _log.WriteLine($"{Now()} verify: {result.Out.TrimEnd()}");
        return result;
    }

    /// <summary>Waits for the producer to finish; asserts it published every event.</summary>
    public async Task<VerbResult> WaitForProducerAsync(ChildProcess producer, int events)
    {
        _expectedToExit.Add(producer.Name);
        Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(120)), "the producer did not finish: " + producer);
        var result = new VerbResult(producer.ExitCode, producer.Out, producer.Err);
        _log.WriteLine($"{Now()} produce: {result.Out.TrimEnd()}");
        Assert.True(result.ExitCode == 0, "produce failed: " + result);
        Assert.Equal(events, result.Long("acknowledged"));
        return result;
    }

    /// <summary>SIGTERMs every worker still running and asserts each hands over and exits 0.</summary>
    public async Task StopWorkersAsync()
    {
        var running = _processes.Where(p => !p.HasExited && !_expectedToExit.Contains(p.Name)).ToList();
        foreach (var worker in running)
        {
            _expectedToExit.Add(worker.Name);
            worker.Terminate();
        }

        foreach (var worker in running)
        {
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{worker.Name} did not stop on SIGTERM: {worker}");
            Assert.True(worker.ExitCode == 0, $"{worker.Name} exited with {worker.ExitCode}: {worker}");
        }
    }

    /// <summary>The group's status on the topic as <c>shoal status</c> reads it, or null while the engine cannot answer (a server is down).</summary>
    public async Task<GroupTopicStatus?> StatusAsync(CancellationToken cancellationToken) =>
        (await GroupStatusAsync(cancellationToken))?.Topics.FirstOrDefault(t => t.Topic == Topic);

    /// <summary>The group's status (members and topics) as <c>shoal status</c> reads it, or null while the engine cannot answer.</summary>
    public async Task<GroupStatus?> GroupStatusAsync(CancellationToken cancellationToken)
    {
        // Each read has its own deadline, as the verbs' engine calls do (EngineRetries): a read that never answered once
        // held a whole 90 s wait (its last status "none") while the workers were fine. Such a read is said and retried
        // on a new connection.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(EngineRetries.DefaultAttemptTimeout);
        try
        {
            _watcher ??= await ShoalEngines.OpenAsync(Engine, cancellationToken: attempt.Token);
            var groups = await StatusCommand.ReadAsync(_watcher, Group, TimeProvider.System, attempt.Token);
            return groups.FirstOrDefault(g => g.Topics.Any(t => t.Topic == Topic));
        }
        catch (EngineException ex)
        {
            _log.WriteLine($"{Now()} status not available: {ex.Message}");
            return null;
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _log.WriteLine($"{Now()} status did not answer within {EngineRetries.DefaultAttemptTimeout.TotalSeconds:0} s; reading again on a new connection");
            if (_watcher is { } stale)
            {
                _watcher = null;
                await stale.DisposeAsync();
            }

            return null;
        }
    }

    /// <summary>Polls the group's status until <paramref name="condition"/> holds; fails if a process dies unexpectedly or at the deadline.</summary>
    public async Task<GroupTopicStatus> UntilAsync(Func<GroupTopicStatus, bool> condition, string what, int seconds = 60)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        GroupTopicStatus? last = null;
        while (true)
        {
            // The producer may finish (exit 0) at any time; nothing else may exit unless the test ended it.
            if (_processes.FirstOrDefault(p => p.HasExited && !_expectedToExit.Contains(p.Name) && !(p.Name == ProducerName && p.ExitCode == 0)) is { } dead)
            {
                Assert.Fail($"{dead.Name} exited unexpectedly while waiting for {what}: {dead}");
            }

            try
            {
                if (await StatusAsync(deadline.Token) is { } status)
                {
                    last = status;
                    if (condition(status))
                    {
                        _log.WriteLine($"{Now()} {what}: {Describe(status)}");
                        return status;
                    }
                }

                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"no {what} within {seconds}s; last status: {(last is null ? "none" : Describe(last))}");
            }
        }
    }

    /// <summary>
    /// Creates the topic as <c>shoal produce</c> would (R3, never trimmed for being committed), so workers can start
    /// before anything is published.
    /// </summary>
    public async Task CreateTopicAsync()
    {
        _watcher ??= await ShoalEngines.OpenAsync(Engine);
        await _watcher.Log.CreateTopicAsync(new TopicOptions
        {
            Name = Topic,
            Partitions = Partitions,
            Replicas = 3,
            Retention = RetentionOptions.Default with { TrimCommitted = false },
        });
    }

    /// <summary>
    /// The events in the group's dead-letter topic (0 when it was never created). The <c>verify</c> handler never fails
    /// by itself, so any is one an engine outage pushed there.
    /// </summary>
    public async Task<long> DeadLettersAsync()
    {
        _watcher ??= await ShoalEngines.OpenAsync(Engine);
        return await Shoal.Tests.Runtime.Runtimes.CountAsync(_watcher, $"{Topic}.{Group}.dlq");
    }

    public static long Committed(GroupTopicStatus status) => status.Partitions.Sum(p => p.Committed ?? 0);

    /// <summary>Partition → (owner, epoch) of every live lease.</summary>
    public static Dictionary<int, (string Owner, long Epoch)> Owners(GroupTopicStatus status) =>
        status.Partitions.Where(p => p.Owner is not null).ToDictionary(p => p.Partition, p => (p.Owner!, p.Epoch));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
            _log.WriteLine($"--- {process.Name}: exit {process.ExitCode}\n{Tail(process.Out)}\n{Tail(process.Err)}");
        }

        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }
    }

    private ChildProcess Start(string name, string[] args)
    {
        var process = _start(name, args);
        _processes.Add(process);
        _log.WriteLine($"{Now()} started {name} (pid {process.Id})");
        return process;
    }

    public static string Describe(GroupTopicStatus status) =>
        $"committed {Committed(status)}, lag {status.Lag}, leases {string.Join(" ", status.Partitions.Select(p => $"{p.Partition}:{p.Owner ?? "-"}@{p.Epoch}{(p.Lag > 0 ? $"(lag {p.Lag})" : string.Empty)}"))}";

    private static string Tail(string text) => string.Join('\n', text.TrimEnd().Split('\n').TakeLast(40));

    public static string Now() => DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
