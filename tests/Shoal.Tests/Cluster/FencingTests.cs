using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>A paused former owner (a zombie) can never move a partition's committed offset once a newer epoch took it.</summary>
public sealed class FencingTests
{
    private const string Topic = "fenced";

    private static GroupOptions Group() => new()
    {
        Name = "g",
        Topic = Topic,
        PartitionOwnership = PartitionOwnership.Assigned,
        CommitInterval = TimeSpan.FromHours(1), // commits only when the test asks
    };

    [Fact]
    public async Task A_zombie_commit_after_a_newer_epoch_took_the_partition_is_rejected_and_the_zombie_stops()
    {
        await using var engine = Runtimes.Engine();
        var zombieSeen = new Recorder();
        var ownerSeen = new Recorder();
        var gate = new SemaphoreSlim(0);
        var zombieHandler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            if (e.Sequence >= 2)
            {
                await gate.WaitAsync(ct); // the zombie is "paused" here
            }

            zombieSeen.Record(e);
        });
        var ownerHandler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            ownerSeen.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var zombie = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), zombieHandler));
        await using var owner = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), ownerHandler) with { RandomSeed = 43 });
        await zombie.StartAsync();
        await owner.StartAsync();
        var zombieLease = new LeaseHolder();
        var zombieGroup = zombie.GetGroup("g");

        await zombieGroup.StartPartitionAsync(0, epoch: 1, zombieLease);
        for (var i = 0; i < 4; i++)
        {
            await zombie.Publisher.PublishAsync(Topic, "k", new Numbered("k", i));
        }

        await Wait.UntilAsync(() => zombieGroup.Partitions[0].Processed == 2, "the zombie handled 0 and 1, then paused");
        await zombieGroup.CommitAsync();
        Assert.Equal(new CommittedOffset(2, 1), await CommittedAsync(engine));

        // The lease moved on (the zombie's expired): the new owner fences the record with epoch 2 and resumes at 2.
        var ownerGroup = owner.GetGroup("g");
        await ownerGroup.StartPartitionAsync(0, epoch: 2, new LeaseHolder());
        await Wait.UntilAsync(() => ownerSeen.Count == 2, "the new owner handled 2 and 3");
        await ownerGroup.CommitAsync();

        // The zombie wakes up, finishes its events and tries to commit with epoch 1.
        gate.Release(2);
        await Wait.UntilAsync(() => zombieSeen.Count >= 3, "the zombie resumed");
        await zombieGroup.CommitAsync();

        Assert.Equal(new CommittedOffset(4, 2), await CommittedAsync(engine));
        Assert.True(zombieGroup.CommitsRejected >= 1);
        Assert.Equal([("g", 0, 1L)], zombieLease.Fenced);
        Assert.Equal([2, 3], ownerSeen.Of("k"));
    }

    [Fact]
    public async Task Starting_under_an_epoch_older_than_the_records_fails()
    {
        await using var engine = Runtimes.Engine();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) => ValueTask.CompletedTask);
        await using var newer = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), handler));
        await using var older = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), handler) with { RandomSeed = 43 });
        await newer.StartAsync();
        await older.StartAsync();
        await newer.GetGroup("g").StartPartitionAsync(0, epoch: 5, new LeaseHolder());

        var error = await Assert.ThrowsAsync<PartitionFencedException>(() => older.GetGroup("g").StartPartitionAsync(0, epoch: 4, new LeaseHolder()));

        Assert.Equal(5, error.CurrentEpoch);
        Assert.Empty(older.GetGroup("g").Partitions);
    }

    [Fact]
    public async Task With_assigned_ownership_a_node_consumes_only_the_partitions_it_is_given()
    {
        await using var engine = Runtimes.Engine();
        var seen = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            seen.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var node = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 4, Group(), handler));
        await node.StartAsync();
        var group = node.GetGroup("g");
        Assert.Empty(group.Partitions);

        await group.StartPartitionAsync(2, epoch: 1, new LeaseHolder());
        var keys = Enumerable.Range(0, 40).Select(i => $"key-{i}").ToArray();
        foreach (var key in keys)
        {
            await node.Publisher.PublishAsync(Topic, key, new Numbered(key, 0));
        }

        var inPartition2 = keys.Where(k => Shoal.Partitioning.KeyHasher.PartitionFor(k, 4) == 2).ToArray();
        await Wait.UntilAsync(() => seen.Count == inPartition2.Length, "partition 2's events handled");
        Assert.Equal(inPartition2.Order(StringComparer.Ordinal), seen.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([2], group.Partitions.Select(p => p.Partition));
        Assert.Equal(1, group.Partitions[0].Epoch);
    }

    private static async Task<CommittedOffset> CommittedAsync(IShoalEngine engine)
    {
        var entry = await engine.Coordination.GetAsync(CoordinationKeys.Offset(Topic, "g", 0));
        Assert.True(CommittedOffset.TryDecode(entry!.Value.Value.Span, out var committed));
        return committed;
    }

    /// <summary>Records the fences the runtime reports to the holder of a partition's lease.</summary>
    private sealed class LeaseHolder : IPartitionLeaseHolder
    {
        private readonly List<(string Group, int Partition, long Epoch)> _fenced = [];

        public IReadOnlyList<(string Group, int Partition, long Epoch)> Fenced
        {
            get
            {
                lock (_fenced)
                {
                    return [.. _fenced];
                }
            }
        }

        public void OnPartitionFenced(string group, int partition, long epoch)
        {
            lock (_fenced)
            {
                _fenced.Add((group, partition, epoch));
            }
        }
    }
}
