using Microsoft.Extensions.Time.Testing;
using Shoal.Cluster.Leases;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Cluster;

public sealed class PartitionLeasesTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private PartitionLeases Leases(Shoal.Engine.IShoalEngine engine) => new(engine.Coordination, "t", "g", _time, Ttl);

    [Fact]
    public async Task A_free_partition_is_taken_with_epoch_1_and_a_live_lease_is_not_taken_by_another_member()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _time });
        var leases = Leases(engine);

        var first = await leases.TryAcquireAsync(0, "m1", default);
        var second = await leases.TryAcquireAsync(0, "m2", default);

        Assert.Equal(1, first!.Value.Epoch);
        Assert.Equal("m1", first.Value.Owner);
        Assert.Null(second);
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_with_the_next_epoch_and_the_old_holder_cannot_renew()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _time });
        var leases = Leases(engine);
        var old = (await leases.TryAcquireAsync(3, "m1", default))!.Value;

        _time.Advance(Ttl - TimeSpan.FromMilliseconds(1));
        Assert.Null(await leases.TryAcquireAsync(3, "m2", default));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var taken = await leases.TryAcquireAsync(3, "m2", default);

        Assert.Equal(2, taken!.Value.Epoch);
        Assert.Null(await leases.TryRenewAsync(old, default));
        Assert.False(await leases.ReleaseAsync(old, default));
    }

    [Fact]
    public async Task Renewal_keeps_the_epoch_and_pushes_expiry()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _time });
        var leases = Leases(engine);
        var lease = (await leases.TryAcquireAsync(0, "m1", default))!.Value;

        _time.Advance(TimeSpan.FromSeconds(8));
        var renewed = (await leases.TryRenewAsync(lease, default))!.Value;
        _time.Advance(TimeSpan.FromSeconds(8));

        Assert.Equal(lease.Epoch, renewed.Epoch);
        Assert.Null(await leases.TryAcquireAsync(0, "m2", default));
    }

    [Fact]
    public async Task A_released_lease_is_taken_at_once_with_the_next_epoch_and_epochs_only_grow()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _time });
        var leases = Leases(engine);
        var epochs = new List<long>();
        var members = new[] { "m1", "m2", "m1", "m3" };
        foreach (var member in members)
        {
            var lease = (await leases.TryAcquireAsync(1, member, default))!.Value;
            epochs.Add(lease.Epoch);
            Assert.True(await leases.ReleaseAsync(lease, default));
        }

        Assert.Equal([1L, 2L, 3L, 4L], epochs);
        var listed = await leases.ListAsync(default);
        Assert.Equal(4, listed[1].Epoch);
        Assert.Equal(string.Empty, listed[1].Owner);
    }

    [Fact]
    public async Task A_member_taking_its_own_lease_again_gets_a_new_epoch_fencing_its_old_self()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _time });
        var leases = Leases(engine);
        var before = (await leases.TryAcquireAsync(0, "m1", default))!.Value;

        var restarted = (await leases.TryAcquireAsync(0, "m1", default))!.Value;

        Assert.Equal(before.Epoch + 1, restarted.Epoch);
        Assert.Null(await leases.TryRenewAsync(before, default));
    }
}
