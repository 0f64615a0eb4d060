using System.Runtime.CompilerServices;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// A member stopped while it registers (Ctrl+C during a worker's start, a store that does not answer): the start ends
/// with the cancellation, and stopping or disposing the member afterwards is clean and leaves no record behind.
/// </summary>
public sealed class ClusterMemberStartTests
{
    private const string Topic = "orders";
    private const string Group = "billing";

    [Fact]
    public async Task A_start_cancelled_while_registering_stops_cleanly_and_leaves_no_record()
    {
        var engine = new SilentRegistration(Runtimes.Engine(), Group);
        var options = Runtimes.Options(Topic, 2, new GroupOptions { Name = Group, Topic = Topic, PartitionOwnership = PartitionOwnership.Assigned },
            HandlerRegistration.For<Numbered>((_, _, _) => ValueTask.CompletedTask)) with
        { RandomSeed = null };
        await using var runtime = ShoalRuntime.Create(engine, options);
        await runtime.StartAsync();
        var member = ClusterMember.Create(runtime, Group, new ClusterMemberOptions
        {
            MemberId = "m1",
            Cluster = new ClusterOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(50), SessionTtl = TimeSpan.FromMilliseconds(400) },
        });

        using var stop = new CancellationTokenSource();
        var start = member.StartAsync(stop.Token);
        await engine.Registering.Task.WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(TimeSpan.FromSeconds(10)));
        await member.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await member.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(member.OwnedPartitions);
        Assert.Empty(await engine.Coordination.ListAsync(CoordinationKeys.GroupMembersPrefix(Group)));
    }
}
