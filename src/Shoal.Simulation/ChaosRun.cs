using System.Globalization;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Serialization;

namespace Shoal.Simulation;

/// <summary>
/// One seeded run: a group of members on the in-process engine, on virtual time, on one thread; a producer; a
/// seeded fault schedule; then healing, settling and the checker. Same seed, same trace.
/// </summary>
public sealed class ChaosRun
{
    /// <summary>The simulated topic.</summary>
    public const string Topic = "chaos";

    /// <summary>The simulated consumer group.</summary>
    public const string Group = "checkers";

    private static readonly AssignorKind[] Assignors = Enum.GetValues<AssignorKind>();

    private readonly int _seed;
    private readonly ChaosSettings _settings;
    private readonly VirtualClock _clock = new();
    private readonly SimulationScheduler _scheduler;
    private readonly Random _random;
    private readonly ChaosRecorder _recorder;
    private readonly ChaosWorkload _workload;
    private readonly IShoalEngine _shared;
    private readonly TopicOptions _topic;
    private readonly List<SimulatedMember> _members = [];
    private readonly Dictionary<(int Partition, long Offset), int> _stored = [];
    private readonly HashSet<int> _acknowledged = [];
    private int _nextMember;
    private int _incarnations;
    private bool _published;
    private TimeSpan? _healedAt;
    private TimeSpan? _settledAt;

    private ChaosRun(int seed, ChaosSettings settings)
    {
        _seed = seed;
        _settings = settings;
        _scheduler = new SimulationScheduler(seed, _clock);
        _random = new Random(seed);
        _recorder = new ChaosRecorder(_clock, Topic, Group, settings.KeepTrace);
        _workload = new ChaosWorkload(settings, new Random(unchecked((seed * 31) + 7)));
        _shared = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _clock });
        _topic = new TopicOptions { Name = Topic, Partitions = settings.Partitions };
    }

    /// <summary>Runs one seed to the end on the calling thread and checks it.</summary>
    public static ChaosResult Execute(int seed, ChaosSettings settings)
    {
        settings.Validate();
        var run = new ChaosRun(seed, settings);
        return run.Execute();
    }

    private ChaosResult Execute()
    {
        var driver = _scheduler.Start(DriveAsync);
        var limit = _settings.FaultsUntil + _settings.LivenessBound + TimeSpan.FromSeconds(5);
        _scheduler.RunUntil(() => _settledAt is not null || driver.IsFaulted, limit);
        var error = driver.IsFaulted ? driver.Exception!.GetBaseException().ToString() : _scheduler.ForeignStacks.Count > 0 ? "determinism leak, posted from:\n" + string.Join("\n---\n", _scheduler.ForeignStacks) : null;
        var deadLettered = ReadDeadLetters();
        var committed = ReadCommitted();
        var origin = VirtualClock.Origin.ToUnixTimeMilliseconds();
        var check = GuaranteeChecker.Check(new GuaranteeRun
        {
            Events = [.. _workload.Events.Select((e, i) => new PublishedEvent(e.Key, e.Seq, _acknowledged.Contains(i)))],
            Stored = [.. _stored.Select(s => new StoredEvent(s.Key.Partition, s.Key.Offset, s.Value, deadLettered.Contains(s.Key)))],
            Handlings = [.. _recorder.Handlings.Select(h => new HandlerAttempt(h.Member, h.Partition, h.Offset, h.Epoch, h.Key, h.Seq, h.Attempt, h.Start, h.End, h.Succeeded))],
            Writes = [.. _recorder.Writes.Select(w => new OwnershipWrite(w.Actor, w.Partition, w.At, w.IsLease, w.Owner, w.Epoch, TimeSpan.FromMilliseconds(w.ExpiresAtMs - origin), w.Offset))],
            Committed = committed,
            MaxInFlight = _settings.MaxInFlight,
            HealedAt = _healedAt,
            SettledAt = _settledAt,
            LivenessBound = _settings.LivenessBound,
        });
        return new ChaosResult(_seed, check, _recorder.TraceHash, _recorder.Trace, _scheduler.Steps, _scheduler.ForeignPosts, _clock.Elapsed, error);
    }

    private async Task DriveAsync()
    {
        await _shared.Log.CreateTopicAsync(_topic);
        for (var i = 0; i < _settings.Members; i++)
        {
            await StartMemberAsync(NextMemberId(), Assignors[_random.Next(Assignors.Length)]);
        }

        var producer = _scheduler.Start(ProduceAsync);
        foreach (var (at, fault) in Schedule())
        {
            if (at > _clock.Elapsed)
            {
                await Task.Delay(at - _clock.Elapsed, _clock);
            }

            await ApplyAsync(fault);
        }

        if (_settings.FaultsUntil > _clock.Elapsed)
        {
            await Task.Delay(_settings.FaultsUntil - _clock.Elapsed, _clock);
        }

        await HealAsync();
        await producer;
        while (!Settled())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _clock);
        }

        _settledAt = _clock.Elapsed;
        _recorder.Note("settled");
    }

    private string NextMemberId() => $"m{++_nextMember}";

    private async Task<SimulatedMember> StartMemberAsync(string id, AssignorKind assignor)
    {
        var incarnation = ++_incarnations;
        _recorder.Note($"start {id}.{incarnation} {assignor}");
        var member = await SimulatedMember.StartAsync(
            id, incarnation, _shared, _scheduler, _recorder, _settings, _workload, assignor, _random.Next(), _topic, Group);
        member.Engine.Faults = BaseNoise;
        _members.Add(member);
        return member;
    }

    private static readonly EngineFaults BaseNoise = new() { Latency = 0.05, TransientError = 0.005, CasConflict = 0.005 };
    private static readonly EngineFaults HeavyNoise = new() { Latency = 0.4, TransientError = 0.08, CasConflict = 0.08 };

    private IEnumerable<SimulatedMember> Running => _members.Where(m => !m.Crashed && !m.Stopped);

    private async Task ProduceAsync()
    {
        var engine = new SimulatedEngine("producer", _shared, _recorder, _clock, new Random(_seed ^ 0x2545F491));
        await using var runtime = ShoalRuntime.Create(engine, new ShoalOptions
        {
            Topics = [_topic],
            EventTypes = new EventTypeRegistry().Add<ChaosEvent>("chaos"),
            TimeProvider = _clock,
            RandomSeed = _seed,
            Scheduler = _scheduler.TaskScheduler,
        });
        await runtime.StartAsync();
        engine.Faults = new EngineFaults { Latency = 0.05, TransientError = 0.02 }; // appends fail now and then: retried with the same id
        var events = _workload.Events;
        var spacing = _settings.PublishFor / events.Count;
        for (var i = 0; i < events.Count; i++)
        {
            var due = spacing * i;
            if (due > _clock.Elapsed)
            {
                await Task.Delay(due - _clock.Elapsed, _clock);
            }

            var outgoing = new OutgoingEvent<ChaosEvent>(events[i].Key, events[i]) { Id = string.Create(CultureInfo.InvariantCulture, $"e{i}") };
            while (true)
            {
                try
                {
                    var result = await runtime.Publisher.PublishAsync(Topic, outgoing);
                    _stored[(result.Partition, result.Offset)] = i;
                    _acknowledged.Add(i);
                    break;
                }
                catch (EngineException)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(10), _clock);
                }
            }
        }

        _published = true;
        _recorder.Note("published");
    }

    private enum FaultKind
    {
        Crash,
        Pause,
        CutOff,
        Slow,
        Noise,
        Join,
        Leave,
        ChangeAssignor,
    }

    private List<(TimeSpan At, FaultKind Kind)> Schedule()
    {
        var count = 2 + _random.Next(6);
        var window = (_settings.FaultsUntil - _settings.FaultsFrom - TimeSpan.FromSeconds(1)).Ticks;
        var kinds = Enum.GetValues<FaultKind>();
        return [.. Enumerable.Range(0, count)
            .Select(_ => (At: _settings.FaultsFrom + TimeSpan.FromTicks((long)(_random.NextDouble() * window)), Kind: kinds[_random.Next(kinds.Length)]))
            .OrderBy(f => f.At)];
    }

    private async Task ApplyAsync(FaultKind kind)
    {
        var running = Running.ToList();
        if (running.Count == 0 && kind != FaultKind.Join)
        {
            return;
        }

        var target = running.Count > 0 ? running[_random.Next(running.Count)] : null;
        _recorder.Note($"fault {kind} {target?.Engine.Actor}");
        switch (kind)
        {
            case FaultKind.Crash:
                target!.Crash();
                var restartAfter = TimeSpan.FromMilliseconds(300 + _random.Next(2_000));
                _ = _scheduler.Start(async () =>
                {
                    await Task.Delay(restartAfter, _clock);
                    if (_healedAt is null)
                    {
                        await StartMemberAsync(target.Id, target.Assignor);
                    }
                });
                break;
            case FaultKind.Pause:
                target!.Engine.Pause();
                var pause = _settings.SessionTtl * (1.5 + (_random.NextDouble() * 3));
                _ = _scheduler.Start(async () =>
                {
                    await Task.Delay(pause, _clock);
                    _recorder.Note($"resume {target.Engine.Actor}");
                    target.Engine.Resume();
                });
                break;
            case FaultKind.CutOff:
                target!.Engine.CutOff = true;
                var cut = TimeSpan.FromMilliseconds(100 + _random.Next(1_500));
                _ = _scheduler.Start(async () =>
                {
                    await Task.Delay(cut, _clock);
                    _recorder.Note($"reconnect {target.Engine.Actor}");
                    target.Engine.CutOff = false;
                });
                break;
            case FaultKind.Slow:
                target!.Slow = true;
                break;
            case FaultKind.Noise:
                foreach (var m in running)
                {
                    m.Engine.Faults = HeavyNoise;
                }

                break;
            case FaultKind.Join:
                await StartMemberAsync(NextMemberId(), Assignors[_random.Next(Assignors.Length)]);
                break;
            case FaultKind.Leave when running.Count > 1:
                await target!.LeaveAsync();
                break;
            case FaultKind.ChangeAssignor:
                await target!.LeaveAsync();
                await StartMemberAsync(target.Id, Assignors[(Array.IndexOf(Assignors, target.Assignor) + 1) % Assignors.Length]);
                break;
        }
    }

    private async Task HealAsync()
    {
        _healedAt = _clock.Elapsed;
        _recorder.Note("heal");
        foreach (var m in _members)
        {
            m.Engine.Faults = EngineFaults.None;
            m.Engine.CutOff = false;
            m.Engine.Resume();
            m.Slow = false;
        }

        // Every member id that is down (crashed, not yet restarted) comes back, so the group ends at full strength.
        var down = _members.Where(m => m.Crashed).Select(m => (m.Id, m.Assignor)).Distinct().ToList();
        foreach (var (id, assignor) in down)
        {
            if (!Running.Any(m => m.Id == id))
            {
                await StartMemberAsync(id, assignor);
            }
        }

        if (!Running.Any())
        {
            await StartMemberAsync(NextMemberId(), AssignorKind.Sticky);
        }
    }

    /// <summary>Everything acknowledged is handled or dead-lettered, and every partition's committed offset is at its end.</summary>
    private bool Settled()
    {
        if (!_published)
        {
            return false;
        }

        var committed = ReadCommitted();
        for (var p = 0; p < _settings.Partitions; p++)
        {
            var end = _shared.Log.GetOffsetsAsync(Topic, p).AsTask().Result.End;
            if (!committed.TryGetValue(p, out var c) || c.Offset < end)
            {
                return false;
            }
        }

        return true;
    }

    private Dictionary<int, CommittedOffset> ReadCommitted() =>
        CommittedOffset.ReadGroupAsync(_shared.Coordination, Topic, Group).AsTask().Result;

    private HashSet<(int Partition, long Offset)> ReadDeadLetters()
    {
        var result = new HashSet<(int, long)>();
        var dlq = $"{Topic}.{Group}.dlq";
        if (_shared.Log.DescribeTopicAsync(dlq).AsTask().Result is not { } description)
        {
            return result;
        }

        var buffer = new EventEnvelope[256];
        for (var p = 0; p < description.Partitions; p++)
        {
            var end = _shared.Log.GetOffsetsAsync(dlq, p).AsTask().Result.End;
            for (long offset = 0; offset < end;)
            {
                var n = _shared.Log.ReadAsync(dlq, p, offset, buffer).AsTask().Result;
                for (var i = 0; i < n; i++)
                {
                    var headers = buffer[i].Headers!;
                    result.Add((
                        int.Parse(headers[ShoalHeaders.OriginalPartition], CultureInfo.InvariantCulture),
                        long.Parse(headers[ShoalHeaders.OriginalOffset], CultureInfo.InvariantCulture)));
                }

                offset = buffer[n - 1].Offset + 1;
            }
        }

        return result;
    }
}
