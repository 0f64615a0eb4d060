using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Tests.Runtime;

namespace Shoal.Tests.Cluster;

/// <summary>An engine whose coordination store never answers a member's registration (until cancelled): a member
/// of <c>group</c> stopped while it registers.</summary>
internal sealed class SilentRegistration(IShoalEngine inner, string group) : ForwardingEngine(inner)
{
    public TaskCompletionSource Registering { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        if (key.StartsWith(CoordinationKeys.GroupMembersPrefix(group), StringComparison.Ordinal))
        {
            Registering.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return await Inner.Coordination.TryCreateAsync(key, value, cancellationToken);
    }
}
