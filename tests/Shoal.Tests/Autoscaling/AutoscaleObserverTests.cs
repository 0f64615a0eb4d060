using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Shoal.Cluster;
using Shoal.Cluster.Autoscaling;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Autoscaling;

/// <summary>The observer against the in-process engine on fake time: offsets and member records as the runtime writes them.</summary>
public sealed class AutoscaleObserverTests : IAsyncLifetime
{
    private const string Topic = "orders";
    private const string Group = "billing";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private IShoalEngine _engine = null!;

    public async ValueTask InitializeAsync()
    {
        _engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _clock });
        await _engine.Log.CreateTopicAsync(new TopicOptions { Name = Topic, Partitions = 2 });
    }

    public async ValueTask DisposeAsync() => await _engine.DisposeAsync();

    private async Task AppendAsync(int partition, int count)
    {
        var events = Enumerable.Range(0, count)
            .Select(_ => new EventEnvelope(Guid.NewGuid().ToString("N"), Topic, $"k{partition}", "test", new byte[] { 1 }))
            .ToArray();
        await _engine.Log.AppendAsync(Topic, partition, events, new AppendedEvent[count]);
    }

    private async Task CommitAsync(int partition, long offset)
    {
        var key = CoordinationKeys.Offset(Topic, Group, partition);
        var value = new CommittedOffset(offset, Epoch: 1).Encode();
        if (await _engine.Coordination.GetAsync(key) is { } existing)
        {
            Assert.NotNull(await _engine.Coordination.TryUpdateAsync(key, value, existing.Revision));
        }
        else
        {
            Assert.NotNull(await _engine.Coordination.TryCreateAsync(key, value));
        }
    }

    private async Task HeartbeatAsync(string member)
    {
        var key = CoordinationKeys.Member(Group, member);
        var record = MemberRecordCodec.Encode(new MemberRecord { MemberId = member, Incarnation = "0000000000000001", HeartbeatAt = _clock.GetUtcNow() });
        if (await _engine.Coordination.GetAsync(key) is { } existing)
        {
            await _engine.Coordination.TryUpdateAsync(key, record, existing.Revision);
        }
        else
        {
            await _engine.Coordination.TryCreateAsync(key, record);
        }
    }

    [Fact]
    public async Task Lag_is_end_offset_minus_committed_offset_per_partition()
    {
        await AppendAsync(0, 100);
        await AppendAsync(1, 40);
        await CommitAsync(0, 30);

        var sample = await new AutoscaleObserver(_engine, Topic, Group, _clock).SampleAsync();

        // Partition 1 has no commit yet: the group would start at its first event.
        Assert.Equal([70L, 40L], sample.PartitionLag);
        Assert.Equal(110, sample.TotalLag);
        Assert.Equal(0, sample.ArrivalRate);
        Assert.Equal(0, sample.ProcessingRatePerMember);
    }

    [Fact]
    public async Task Rates_come_from_differences_between_samples_and_capacity_only_from_busy_intervals()
    {
        var observer = new AutoscaleObserver(_engine, Topic, Group, _clock);
        await HeartbeatAsync("a");
        await HeartbeatAsync("b");
        await AppendAsync(0, 500);
        await AppendAsync(1, 500);
        await CommitAsync(0, 0);
        await CommitAsync(1, 0);
        await observer.SampleAsync();

        // 10 s later: 1000 more arrived, 600 were handled by two members, and both partitions still lag.
        _clock.Advance(TimeSpan.FromSeconds(10));
        await HeartbeatAsync("a");
        await HeartbeatAsync("b");
        await AppendAsync(0, 500);
        await AppendAsync(1, 500);
        await CommitAsync(0, 300);
        await CommitAsync(1, 300);
        var busy = await observer.SampleAsync();

        Assert.Equal(2, busy.LiveMembers);
        Assert.Equal(100, busy.ArrivalRate, 6);
        Assert.Equal(60, busy.ProcessedRate, 6);
        Assert.Equal(30, busy.ProcessingRatePerMember, 6);

        // Then the group catches up: its rate now only shows the load, so the capacity estimate is kept.
        _clock.Advance(TimeSpan.FromSeconds(10));
        await HeartbeatAsync("a");
        await HeartbeatAsync("b");
        await CommitAsync(0, 1000);
        await CommitAsync(1, 1000);
        var idle = await observer.SampleAsync();

        Assert.Equal(0, idle.TotalLag);
        Assert.Equal(0, idle.ArrivalRate, 6);
        Assert.Equal(140, idle.ProcessedRate, 6);
        Assert.Equal(30, idle.ProcessingRatePerMember, 6);
    }

    [Fact]
    public async Task Members_whose_heartbeat_is_older_than_the_session_ttl_do_not_count()
    {
        var observer = new AutoscaleObserver(_engine, Topic, Group, _clock, new ClusterOptions { HeartbeatInterval = TimeSpan.FromSeconds(1), SessionTtl = TimeSpan.FromSeconds(5) });
        await HeartbeatAsync("a");
        await HeartbeatAsync("b");
        Assert.Equal(2, (await observer.SampleAsync()).LiveMembers);

        _clock.Advance(TimeSpan.FromSeconds(4));
        await HeartbeatAsync("a");
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(1, (await observer.SampleAsync()).LiveMembers);
    }

    [Fact]
    public async Task A_missing_topic_is_named()
    {
        var error = await Assert.ThrowsAsync<TopicNotFoundException>(async () => await new AutoscaleObserver(_engine, "nope", Group, _clock).SampleAsync());
        Assert.Equal("nope", error.Topic);
    }

    [Fact]
    public async Task The_autoscaler_publishes_desired_members_on_the_Shoal_meter()
    {
        var recorded = new List<(int Value, string? Group)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Shoal" && instrument.Name == "shoal.autoscale.desired_members")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            string? group = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "shoal.group")
                {
                    group = tag.Value as string;
                }
            }

            if (group == Group)
            {
                lock (recorded)
                {
                    recorded.Add((value, group));
                }
            }
        });
        listener.Start();

        var autoscaler = new Autoscaler(new AutoscaleObserver(_engine, Topic, Group, _clock), AutoscaleOptions.Default with { MinMembers = 3 });
        await HeartbeatAsync("a");
        var decision = await autoscaler.EvaluateAsync();

        // One live member, minimum three: the bounds apply at once.
        Assert.Equal(1, decision.CurrentMembers);
        Assert.Equal(3, decision.DesiredMembers);
        lock (recorded)
        {
            Assert.Contains((3, (string?)Group), recorded);
        }
    }
}
