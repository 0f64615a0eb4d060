using System.Collections.Concurrent;
using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// A member that cannot renew a lease fences itself by its own clock: it stops starting events and cancels the running
/// ones before the lease can expire, and resumes once a renewal succeeds.
/// </summary>
public sealed class SelfFenceTests
{
    [Fact]
    public async Task A_member_whose_renewals_hang_cancels_its_handlers_and_starts_nothing_within_the_ttl_then_resumes_once_renewed()
    {
        var clock = new TestClock();
        await using var cluster = new ClusterHarness(partitions: 1, clock: clock);
        var store = new StallingRenewals(cluster.Engine);
        var started = new ConcurrentQueue<(int Sequence, int Attempt)>();
        var cancelled = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var abort = new CancellationTokenSource(); // ends the handler if the test fails first (the stop's drain runs on the fake clock)
        var node = await cluster.StartNodeAsync("m1", store, before: async (e, ctx, ct) =>
        {
            started.Enqueue((e.Sequence, ctx.Attempt));
            if (e.Sequence == 0 && !cancelled.Task.IsCompleted)
            {
                // The fake time of the cancellation itself (the callback runs inside the fence's timer), not of when the
                // handler's continuation got a thread.
                using var registration = ct.Register(() => cancelled.TrySetResult(clock.GetUtcNow()));
                using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, abort.Token);
                await Task.Delay(Timeout.InfiniteTimeSpan, either.Token); // runs until the partition is fenced
            }
        });
        try
        {
            await RunAsync();
        }
        finally
        {
            store.Release();
            abort.Cancel();
        }

        async Task RunAsync()
        {
            await cluster.BalancedAsync([node]);
            var epoch = node.Member.OwnedPartitions[0];
            await cluster.PublishAsync(keys: 1, perKey: 1); // key-0, sequence 0: runs until cancelled
            await cluster.UntilAsync(() => started.Any(s => s.Sequence == 0), "the first event started");

            // From now on the member's renewals reach the store and never come back: the member loop waits on the first.
            var stalledAt = clock.GetUtcNow();
            store.Stall();
            node.Lockstep = false;
            await cluster.RunUntilAsync(() => cancelled.Task.IsCompleted, "the running handler cancelled by the self-fence");
            var fencedAfter = await cancelled.Task - stalledAt;
            Assert.True(fencedAfter <= cluster.Cluster.SessionTtl, $"fenced {fencedAfter} after the renewals stopped; the TTL is {cluster.Cluster.SessionTtl}");
            await cluster.UntilAsync(() => node.Group.Partitions[0].InFlight == 0, "no handler runs");

            // Nothing starts while fenced, however long the store stays silent.
            await cluster.PublishAsync(keys: 1, perKey: 1, from: 1);
            for (var i = 0; i < 10; i++)
            {
                await cluster.StepAsync();
            }

            Assert.DoesNotContain(started, s => s.Sequence == 1);
            Assert.Equal(1, store.Stalled);

            // The store answers again: the stalled renewal was sent too long ago to count, the next one resumes the partition
            // under the same lease (nobody else could take it), and both events are handled, in order.
            store.Release();

            // The member loop was blocked on the stalled renewal, whose record expired long ago: only its next beat renews the
            // lease. Back in the lockstep before that step ended, the clock would move under it, its next beat would come a
            // whole interval after that tick, and the lockstep (which waits for the lease to be renewed) would never pass it.
            // (Not a wait for any one-shot timer of one interval: the membership watch's expiry timer has one interval left
            // every eighth beat, and a CI run re-entered the lockstep on it, before the member loop's step was done.)
            await Wait.UntilAsync(() => node.Member.WaitingForBeat, "the member loop, its stalled step done, waits for its next beat");
            node.Lockstep = true;
            await cluster.UntilAsync(() => cluster.Handled.Count(h => h.Key == "key-0") == 2, "both events handled after the resume");
            Assert.Equal([0, 1], cluster.Handled.Where(h => h.Key == "key-0").Select(h => h.Sequence));
            Assert.Equal(epoch, node.Member.OwnedPartitions[0]);
            Assert.Equal(0, node.Member.LeasesLost);
            Assert.Equal(0, node.Group.CommitsRejected);
        }
    }

    /// <summary>Renewals of lease records hang, once <see cref="Stall"/> is called, until <see cref="Release"/>.</summary>
    private sealed class StallingRenewals(IShoalEngine inner) : ForwardingEngine(inner)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _stalling;
        private int _stalled;

        public int Stalled => Volatile.Read(ref _stalled);

        public void Stall() => _stalling = true;

        public void Release()
        {
            _stalling = false;
            _released.TrySetResult();
        }

        public override async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
        {
            if (_stalling && key.StartsWith("shoal/leases/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _stalled);
                await _released.Task.WaitAsync(cancellationToken);
            }

            return await base.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
        }
    }
}
