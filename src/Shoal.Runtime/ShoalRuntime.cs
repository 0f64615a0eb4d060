using Microsoft.Extensions.Logging;
using Shoal.Diagnostics;
using Shoal.Engine;
using Shoal.Processing;
using Shoal.Publishing;
using Shoal.Serialization;
using Shoal.Threading;

namespace Shoal;

/// <summary>
/// A Shoal node: publishes events and runs its groups' handlers on an engine. Create it with
/// <see cref="Create"/>, then <see cref="StartAsync"/>; <see cref="StopAsync"/> stops gracefully
/// (stop fetching and starting events, wait for the handler calls running up to each group's deadline, commit).
/// </summary>
public sealed class ShoalRuntime : IAsyncDisposable
{
    private int _disposed;
    private readonly ShoalOptions _options;
    private readonly EventSerializers _serializers;
    private readonly Random _random;
    private readonly EngineTrouble _engineTrouble = new();
    private readonly List<GroupPartitions> _groups = [];
    private readonly AsyncGate _lifecycle = new();
    private State _state;

    private ShoalRuntime(IShoalEngine engine, ShoalOptions options)
    {
        Engine = engine;
        _options = options;
        _serializers = options.Serializers ?? EventSerializers.CreateDefault();
        RequireSerializers(options, _serializers);
        _random = options.RandomSeed is { } seed ? new Random(seed) : new Random();
        var configured = options.Topics.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Publisher = new EventPublisher(engine, options.EventTypes, _serializers, configured, options.Publisher, options.TimeProvider, _random, _engineTrouble);
    }

    private enum State
    {
        Created,
        Started,
        Stopped,
    }

    /// <summary>The engine this node runs on.</summary>
    public IShoalEngine Engine { get; }

    /// <summary>The options, as validated.</summary>
    public ShoalOptions Options => _options;

    /// <summary>Publishes events; usable before <see cref="StartAsync"/> once the topics exist.</summary>
    public IEventPublisher Publisher { get; }

    /// <summary>Validates <paramref name="options"/> (throwing <see cref="ShoalConfigurationException"/> naming the bad field) and creates a node.</summary>
    public static ShoalRuntime Create(IShoalEngine engine, ShoalOptions options)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new ShoalRuntime(engine, options);
    }

    /// <summary>Every format a configured topic or a registered event type names has a serializer, checked before anything runs.</summary>
    private static void RequireSerializers(ShoalOptions options, EventSerializers serializers)
    {
        foreach (var topic in options.Topics)
        {
            if (!serializers.Contains(topic.Format))
            {
                throw new ShoalConfigurationException("ShoalOptions.Serializers", $"topic '{topic.Name}' is {topic.Format}: {EventSerializers.Missing(topic.Format)}");
            }
        }

        foreach (var type in options.EventTypes.Types)
        {
            if (type.Format is { } format && !serializers.Contains(format))
            {
                throw new ShoalConfigurationException("ShoalOptions.Serializers", $"event type '{type.Name}' is {format}: {EventSerializers.Missing(format)}");
            }
        }
    }

    /// <summary>Creates the configured topics if absent and starts every group on every partition.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_state != State.Created)
            {
                throw new InvalidOperationException($"The runtime was already {_state.ToString().ToLowerInvariant()}.");
            }

            foreach (var topic in _options.Topics)
            {
                await Engine.Log.CreateTopicAsync(topic, cancellationToken);
            }

            var scheduler = _options.Scheduler ?? TaskScheduler.Default;
            foreach (var group in _options.Groups)
            {
                var handlers = new HandlerTable(group.Handlers, _options.EventTypes, _serializers, group.Options.Name);
                var logger = _options.LoggerFactory.CreateLogger("Shoal.Group." + group.Options.Name);
                var context = new GroupContext(group.Options, Engine, handlers, _options.TimeProvider, _random, logger, scheduler)
                {
                    UnsafeCommitWithoutFencing = _options.UnsafeCommitWithoutFencing,
                    EngineTrouble = _engineTrouble,
                };
                var consumer = new GroupPartitions(context);
                _groups.Add(consumer);
                await consumer.StartAsync(cancellationToken);
            }

            _state = State.Started;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops every group gracefully: stop fetching and starting events, wait for the handler calls running (up to
    /// <see cref="GroupOptions.DrainTimeout"/>, then cancel them), commit. Events fetched but not started are handled
    /// after the next start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_state == State.Stopped)
            {
                return;
            }

            _state = State.Stopped;
            await Task.WhenAll(_groups.Select(g => g.StopAsync(cancellationToken)));
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Commits every group's progress now (it is also committed periodically and on stop).</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_groups.Select(g => g.CommitAsync(cancellationToken)));

    /// <summary>Per partition this node consumes for <paramref name="group"/>: the committed offset and the processed watermark.</summary>
    public IReadOnlyList<PartitionProgress> GetProgress(string group) =>
        [.. FindGroup(group).Partitions.Select(p => new PartitionProgress(p.Partition, p.Committed, p.Watermark))];

    /// <summary>The group <paramref name="group"/> on this node, to assign its partitions (see <see cref="PartitionOwnership.Assigned"/>).</summary>
    public ConsumerGroup GetGroup(string group) => new(FindGroup(group));

    /// <summary>
    /// The keys <paramref name="group"/> has parked now (<see cref="PoisonKeyPolicy.Park"/>) in any partition of its
    /// topic, by partition and key, each with the event that parked it. Read from the coordination store, so it includes
    /// keys parked by other nodes of the group; release one with <see cref="ReleaseParkedKeyAsync"/>.
    /// </summary>
    public ValueTask<IReadOnlyList<ParkedKey>> GetParkedKeysAsync(string group, CancellationToken cancellationToken = default)
    {
        var consumer = FindGroup(group);
        return ParkedKeys.ListAsync(Engine, consumer.Context.Topic, group, consumer.PartitionCount, cancellationToken);
    }

    /// <summary>
    /// Releases a parked key of <paramref name="group"/>: its later events are handled again. The events that were
    /// parked stay in the dead-letter topic (marked <c>parked</c>) for the operator to republish. Returns false
    /// when the key was not parked.
    /// </summary>
    public async ValueTask<bool> ReleaseParkedKeyAsync(string group, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var consumer = FindGroup(group);
        var released = false;
        foreach (var partition in consumer.Partitions)
        {
            var recordKey = CoordinationKeys.Parked(consumer.Context.Topic, group, partition.Partition, key);
            var here = false;
            if (await Engine.Coordination.GetAsync(recordKey, cancellationToken) is { } entry)
            {
                here = await Engine.Coordination.TryDeleteAsync(recordKey, entry.Revision, cancellationToken);
            }

            here |= partition.Parked.Release(key);
            if (here)
            {
                RuntimeLog.KeyReleased(consumer.Context.Logger, group, key, consumer.Context.Topic, partition.Partition, consumer.Context.Options.DeadLetterTopic);
            }

            released |= here;
        }

        return released;
    }

    /// <summary>Stops (<see cref="StopAsync"/>) and releases the groups. Disposing again does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync();
        foreach (var group in _groups)
        {
            await group.DisposeAsync();
        }
    }


    private GroupPartitions FindGroup(string group) =>
        _groups.FirstOrDefault(g => g.Name == group) ?? throw new ShoalConfigurationException(nameof(group), $"this node runs no group named '{group}'.");
}
