using System.Runtime.CompilerServices;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Tests.Runtime;

namespace Shoal.Tests.Cluster;

/// <summary>An engine whose coordination store never answers a member's registration (until cancelled): a member
/// of <c>group</c> stopped while it registers.</summary>
internal sealed class SilentRegistration(IShoalEngine inner, string group) : ForwardingEngine(inner), ICoordinationStore
{
    public TaskCompletionSource Registering { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ICoordinationStore Coordination => this;

    public async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        if (key.StartsWith(CoordinationKeys.GroupMembersPrefix(group), StringComparison.Ordinal))
        {
            Registering.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return await Inner.Coordination.TryCreateAsync(key, value, cancellationToken);
    }

    public ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default) =>
        Inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

    public ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => Inner.Coordination.GetAsync(key, cancellationToken);

    public ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default) =>
        Inner.Coordination.TryDeleteAsync(key, expectedRevision, cancellationToken);

    public ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        Inner.Coordination.ListAsync(prefix, cancellationToken);

    public async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in Inner.Coordination.WatchAsync(prefix, cancellationToken))
        {
            yield return change;
        }
    }
}
