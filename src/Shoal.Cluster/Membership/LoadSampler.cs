namespace Shoal.Cluster;

/// <summary>
/// What a member's heartbeat publishes about its group's work: health inputs (handled and failed since the last
/// sample, partition positions, leases lost) and load (handler calls running now, the handling rate since the last
/// sample). <paramref name="leasesLost"/> reads the member's count of lost leases so far.
/// </summary>
internal sealed class LoadSampler(ConsumerGroup group, TimeProvider time, Func<long> leasesLost)
{
    private (long Handled, long Failed) _lastCounts;
    private long _lastLost;
    private long _lastSampleTimestamp = -1;

    public MemberSample Sample()
    {
        var counts = group.Counts;
        var delta = (Handled: counts.Handled - _lastCounts.Handled, Failed: counts.Failed - _lastCounts.Failed);
        _lastCounts = counts;
        var partitions = group.Partitions;
        var positions = partitions.Select(p => new PartitionPosition(p.Partition, p.Processed, 0)).ToList();
        var lost = leasesLost();
        var lostSince = lost - _lastLost;
        _lastLost = lost;

        // The load other members and dashboards see: handler calls running now, and the handling rate since the last
        // heartbeat (on the injected clock).
        var now = time.GetTimestamp();
        var seconds = _lastSampleTimestamp < 0 ? 0 : time.GetElapsedTime(_lastSampleTimestamp, now).TotalSeconds;
        _lastSampleTimestamp = now;
        var rate = seconds > 0 ? Math.Round(Math.Max(0, delta.Handled) / seconds, 1) : 0;
        return new MemberSample(
            new HealthSample(Math.Max(0, delta.Handled), Math.Max(0, delta.Failed), positions, EngineError: false, Math.Max(0, lostSince)),
            new MemberLoad(partitions.Sum(p => (long)p.InFlight), rate));
    }
}
