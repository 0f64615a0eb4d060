namespace Shoal.Cluster;

/// <summary>
/// What a member's heartbeat publishes about its group's work: health inputs (handled and failed since the last
/// sample, partition positions) and load (handler calls running now, the handling rate since the last sample).
/// </summary>
internal sealed class LoadSampler(ConsumerGroup group, TimeProvider time)
{
    private (long Handled, long Failed) _lastCounts;
    private long _lastSampleTimestamp = -1;

    public MemberSample Sample()
    {
        var counts = group.Counts;
        var delta = (Handled: counts.Handled - _lastCounts.Handled, Failed: counts.Failed - _lastCounts.Failed);
        _lastCounts = counts;
        var partitions = group.Partitions;
        var positions = partitions.Select(p => new PartitionPosition(p.Partition, p.Processed, 0)).ToList();

        // The load other members and dashboards see: handler calls running now, and the handling rate since the last
        // heartbeat (on the injected clock).
        var now = time.GetTimestamp();
        var seconds = _lastSampleTimestamp < 0 ? 0 : time.GetElapsedTime(_lastSampleTimestamp, now).TotalSeconds;
        _lastSampleTimestamp = now;
        var rate = seconds > 0 ? Math.Round(Math.Max(0, delta.Handled) / seconds, 1) : 0;
        return new MemberSample(
            new HealthSample(Math.Max(0, delta.Handled), Math.Max(0, delta.Failed), positions, EngineError: false),
            new MemberLoad(partitions.Sum(p => (long)p.InFlight), rate));
    }
}
