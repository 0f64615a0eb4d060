using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>A survivor takes a gracefully leaving member's partitions at once, on a fake clock that does not move.</summary>
[Trait("Category", "Cluster")]
public sealed class ClusterMemberLeaveTests
{
    [Fact]
    public async Task A_member_that_leaves_while_the_survivor_is_mid_step_is_acted_on_at_once_not_at_the_next_beat()
    {
        await using var cluster = new ClusterHarness(partitions: 4, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new TestClock());
        var gated = new GatedLeaseListing(cluster.Engine);
        var a = await cluster.StartNodeAsync("a", engine: gated);
        var b = await cluster.StartNodeAsync("b");
        await cluster.BalancedAsync([a, b]);

        // a's next step reads its view (b live), then waits in the lease listing while b leaves.
        gated.HoldNextListing();
        cluster.Clock!.Advance(cluster.Cluster.HeartbeatInterval);
        await gated.Held.WaitAsync(TimeSpan.FromSeconds(10));
        var version = a.Member.Membership.Version;
        await cluster.LeaveAsync(b);
        await WaitAsync(() => a.Member.Membership.Current.Find("b") is null, "a's view without b");
        Assert.True(a.Member.Membership.Version > version);

        // The step ends on its stale view (b's partitions are free but b's); the change it missed must wake the loop
        // now: the clock stays where it is, so a member that waits for its next beat never takes them.
        gated.Release();
        await WaitAsync(() => a.Member.OwnedPartitions.Count == 4, "a takes b's partitions without the clock moving");
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out (10 s of real time) waiting for: {what}");
            await Task.Delay(5);
        }
    }

    /// <summary>Holds one listing of lease records until released (the member's step lists them after reading its view).</summary>
    private sealed class GatedLeaseListing(IShoalEngine inner) : ForwardingEngine(inner)
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Held => _held.Task;

        public void HoldNextListing() => Volatile.Write(ref _armed, 1);

        public void Release() => _release.TrySetResult();

        public override async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
        {
            if (prefix.StartsWith(CoordinationKeys.LeasesRoot, StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
            }

            return await Inner.Coordination.ListAsync(prefix, cancellationToken);
        }
    }
}
