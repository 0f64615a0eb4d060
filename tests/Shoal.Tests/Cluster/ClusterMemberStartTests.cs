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
        var engine = new SilentRegistration(Runtimes.Engine());
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
        Assert.Empty(await engine.Coordination.ListAsync(MemberKeys.GroupPrefix(Group)));
    }

    /// <summary>An engine whose coordination store never answers a member's registration (until cancelled).</summary>
    private sealed class SilentRegistration(IShoalEngine inner) : ForwardingEngine(inner), ICoordinationStore
    {
        public TaskCompletionSource Registering { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ICoordinationStore Coordination => this;

        public async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        {
            if (key.StartsWith(MemberKeys.GroupPrefix(Group), StringComparison.Ordinal))
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
}
