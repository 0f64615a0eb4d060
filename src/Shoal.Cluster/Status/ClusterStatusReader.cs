using Shoal.Engine;

namespace Shoal.Cluster;

/// <summary>
/// The cluster's read model (<see cref="ClusterStatus"/>) bound to one engine and clock, as a service: <c>AddShoal</c>
/// registers one that reads the node's engine with the container's <see cref="TimeProvider"/>, so an application
/// injects it to show its groups' members, partition owners, committed offsets and lag.
/// </summary>
public sealed class ClusterStatusReader
{
    private readonly IShoalEngine _engine;
    private readonly TimeProvider _time;
    private readonly TimeSpan _defaultSessionTtl;

    /// <summary>A reader of <paramref name="engine"/>'s coordination store and log.</summary>
    /// <param name="engine">The engine the groups run on.</param>
    /// <param name="time">The clock that judges heartbeats and leases (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="defaultSessionTtl">The session TTL of a member record that states none (default <see cref="ClusterOptions.SessionTtl"/>'s default).</param>
    public ClusterStatusReader(IShoalEngine engine, TimeProvider? time = null, TimeSpan? defaultSessionTtl = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (defaultSessionTtl is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(defaultSessionTtl), ttl, "must be positive.");
        }

        _engine = engine;
        _time = time ?? TimeProvider.System;
        _defaultSessionTtl = defaultSessionTtl ?? ClusterOptions.Default.SessionTtl;
    }

    /// <summary>Every group that has member records, leases or committed offsets, ordered by name (<see cref="ClusterStatus.ListGroupsAsync"/>).</summary>
    public ValueTask<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        ClusterStatus.ListGroupsAsync(_engine, cancellationToken);

    /// <summary>
    /// <paramref name="group"/>'s members and, per topic, each partition's owner, epoch, committed and end offsets and its
    /// dead-letter count; null when the store knows nothing of the group (<see cref="ClusterStatus.ReadGroupAsync"/>).
    /// </summary>
    public ValueTask<GroupStatus?> ReadGroupAsync(string group, CancellationToken cancellationToken = default) =>
        ClusterStatus.ReadGroupAsync(_engine, group, _defaultSessionTtl, _time, cancellationToken);
}
