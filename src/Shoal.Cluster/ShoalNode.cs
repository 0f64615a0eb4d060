using Microsoft.Extensions.Logging;
using Shoal.Engine;

namespace Shoal.Cluster;

/// <summary>
/// What a user runs: one engine, one <see cref="ShoalRuntime"/> and, for each group whose partitions are shared
/// between nodes (<see cref="PartitionOwnership.Assigned"/>), that group's <see cref="ClusterMember"/>.
/// <see cref="StartAsync"/> starts the runtime, then the members; <see cref="StopAsync"/> stops them in reverse:
/// the members hand their partitions over (stop starting events, wait for the handler calls running, commit, release
/// the lease) and leave, then the runtime stops the rest the same way. Create it with <see cref="Create"/>.
/// </summary>
/// <remarks>
/// Logging, time, randomness and the task scheduler come from <see cref="ShoalOptions"/> (its
/// <see cref="ShoalOptions.LoggerFactory"/>, <see cref="ShoalOptions.TimeProvider"/>, <see cref="ShoalOptions.RandomSeed"/>
/// and <see cref="ShoalOptions.Scheduler"/>), for the runtime and the members alike. A start that fails or is
/// cancelled stops what it had started and throws; such a node is not started again (create a new one).
/// </remarks>
public sealed class ShoalNode : IAsyncDisposable
{
    private readonly IReadOnlyList<KeyValuePair<string, ClusterMemberOptions>> _memberOptions;
    private readonly bool _ownsEngine;
    private readonly Lock _gate = new();
    private List<ClusterMember> _members = [];
    private Task? _starting;
    private State _state;
    private bool _disposed;

    private ShoalNode(IShoalEngine engine, ShoalRuntime runtime, IReadOnlyList<KeyValuePair<string, ClusterMemberOptions>> members, bool ownsEngine)
    {
        Engine = engine;
        Runtime = runtime;
        _memberOptions = members;
        _ownsEngine = ownsEngine;
    }

    private enum State
    {
        Created,
        Starting,
        Started,
        Stopped,
    }

    /// <summary>The engine the node runs on.</summary>
    public IShoalEngine Engine { get; }

    /// <summary>The runtime: its publisher, and each group's partitions, progress and counts (<see cref="ShoalRuntime.GetGroup"/>).</summary>
    public ShoalRuntime Runtime { get; }

    /// <summary>The cluster members, one per group with <see cref="PartitionOwnership.Assigned"/>, in the order of
    /// <see cref="ShoalOptions.Groups"/>; empty until <see cref="StartAsync"/> creates them (after the runtime started).</summary>
    public IReadOnlyList<ClusterMember> Members
    {
        get
        {
            lock (_gate)
            {
                return _members;
            }
        }
    }

    /// <summary>
    /// Validates <paramref name="options"/> and <paramref name="members"/> (throwing <see cref="ShoalConfigurationException"/>
    /// naming the bad field) and creates a node that is not started yet.
    /// </summary>
    /// <param name="engine">The engine; disposed with the node when <paramref name="ownsEngine"/> is true.</param>
    /// <param name="options">The runtime's options: topics, event types, groups, logging, time, scheduler.</param>
    /// <param name="members">
    /// The cluster member of each group with <see cref="PartitionOwnership.Assigned"/>, by group name: exactly those
    /// groups, each once. Null or empty when no group shares its partitions.
    /// </param>
    /// <param name="ownsEngine">Dispose <paramref name="engine"/> when the node is disposed.</param>
    public static ShoalNode Create(
        IShoalEngine engine, ShoalOptions options, IReadOnlyDictionary<string, ClusterMemberOptions>? members = null, bool ownsEngine = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        members ??= new Dictionary<string, ClusterMemberOptions>();
        var runtime = ShoalRuntime.Create(engine, options);
        var ordered = new List<KeyValuePair<string, ClusterMemberOptions>>();
        foreach (var group in runtime.Options.Groups)
        {
            var name = group.Options.Name;
            var assigned = group.Options.PartitionOwnership == PartitionOwnership.Assigned;
            if (!members.TryGetValue(name, out var member))
            {
                if (assigned)
                {
                    throw new ShoalConfigurationException("members",
                        $"group '{name}' uses PartitionOwnership.Assigned, so it needs the options of its cluster member; without a member it would never be given a partition.");
                }

                continue;
            }

            if (!assigned)
            {
                throw new ShoalConfigurationException("GroupOptions.PartitionOwnership",
                    $"group '{name}' must use PartitionOwnership.Assigned to be shared by a cluster; it uses {group.Options.PartitionOwnership}.");
            }

            if (member is null)
            {
                throw new ShoalConfigurationException("members", $"the cluster member options of group '{name}' must not be null.");
            }

            member.Validate();
            ordered.Add(new(name, member));
        }

        if (members.Keys.FirstOrDefault(g => ordered.All(m => m.Key != g)) is { } unknown)
        {
            throw new ShoalConfigurationException("members", $"names group '{unknown}', which is not among ShoalOptions.Groups.");
        }

        return new ShoalNode(engine, runtime, ordered, ownsEngine);
    }

    /// <summary>The cluster member of <paramref name="group"/>.</summary>
    /// <exception cref="ShoalConfigurationException">The node runs no group <paramref name="group"/> shared by a cluster.</exception>
    /// <exception cref="InvalidOperationException">The node was not started yet.</exception>
    public ClusterMember GetMember(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_memberOptions.All(m => m.Key != group))
        {
            throw new ShoalConfigurationException(nameof(group), $"this node has no cluster member for a group named '{group}'.");
        }

        return Members.FirstOrDefault(m => m.Group == group)
            ?? throw new InvalidOperationException($"The cluster member of group '{group}' exists once the node has started.");
    }

    /// <summary>
    /// Starts the runtime (creating the configured topics, starting every group), then creates and starts each
    /// group's cluster member. When a step fails or <paramref name="cancellationToken"/> fires, what was started is
    /// stopped (a member that registered deletes its record at once) and the exception is thrown.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_state != State.Created)
            {
                throw new InvalidOperationException($"The node was already {(_state == State.Starting ? "started" : _state.ToString().ToLowerInvariant())}; a node is started once.");
            }

            _state = State.Starting;
            return _starting = StartCoreAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Stops gracefully: every member hands its partitions over and leaves the group, so the other members take them
    /// at once; then the runtime stops the rest. Each partition stops fetching and starting events (what was fetched
    /// but not started, and an event waiting for its next retry, stay for the next owner), waits for the handler calls
    /// running (up to <see cref="GroupOptions.DrainTimeout"/>, then cancels them), commits, and its lease is released.
    /// A start in progress is awaited first. Stopping again does nothing.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task? starting;
        lock (_gate)
        {
            if (_state == State.Stopped)
            {
                return;
            }

            starting = _starting;
        }

        if (starting is not null)
        {
            try
            {
                await starting;
            }
            catch (Exception)
            {
                // A failed start stopped what it had started.
            }
        }

        lock (_gate)
        {
            if (_state == State.Stopped)
            {
                return;
            }

            _state = State.Stopped;
        }

        await Task.WhenAll(Members.Select(m => m.StopAsync(cancellationToken)));
        await Runtime.StopAsync(cancellationToken);
    }

    /// <summary>Stops (<see cref="StopAsync"/>), releases the members and the runtime, and disposes the engine when the node owns it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync();
        foreach (var member in Members)
        {
            await member.DisposeAsync();
        }

        await Runtime.DisposeAsync();
        if (_ownsEngine)
        {
            await Engine.DisposeAsync();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var logger = Runtime.Options.LoggerFactory.CreateLogger("Shoal.Node");
        NodeLog.Engine(logger, ShoalEngines.Redact(Engine.Name));
        NodeLog.Groups(logger, Runtime.Options.Groups.Count, string.Join(", ", Runtime.Options.Groups.Select(g => g.Options).Select(g =>
            $"{g.Name} (topic {g.Topic}, {(g.PartitionOwnership == PartitionOwnership.Assigned ? "partitions assigned by the cluster" : "every partition")})")));
        try
        {
            await Runtime.StartAsync(cancellationToken);
            foreach (var (group, options) in _memberOptions)
            {
                NodeLog.Member(logger, options.MemberId, group, options.Weight, options.Assignor.ToString(), options.Cluster.HeartbeatInterval, options.Cluster.SessionTtl);
                var member = ClusterMember.Create(Runtime, group, options);
                lock (_gate)
                {
                    _members = [.. _members, member];
                }

                await member.StartAsync(cancellationToken);
            }
        }
        catch (Exception)
        {
            // Stop what started, on no token: a member that registered deletes its record at once instead of leaving it
            // to expire, and the runtime's groups stop.
            lock (_gate)
            {
                _state = State.Stopped;
            }

            try
            {
                foreach (var member in Members)
                {
                    await member.StopAsync(CancellationToken.None);
                }
            }
            finally
            {
                await Runtime.StopAsync(CancellationToken.None);
            }

            throw;
        }

        lock (_gate)
        {
            _state = State.Started;
        }
    }
}
