using Microsoft.Extensions.Logging;

namespace Shoal.Cluster.Leases;

/// <summary>
/// Fences one held partition by the member's own clock: unless the lease was renewed in time, the partition is
/// suspended (<see cref="ConsumerGroup.SuspendPartition"/>: no event starts, running handlers are cancelled, nothing is
/// committed) at <c>send time + SessionTtl × (1 − <see cref="SafetyMargin"/>)</c> of the last acquire or renewal that
/// succeeded, measured on the monotonic clock from when its request was SENT (the store set the expiry from about then;
/// when the answer came says nothing about it). A renewal that succeeds later resumes the partition; one that fails
/// loses the lease, and the member abandons the partition. So a member cut off from the store stops working on a
/// partition before another member can take it, and duplicates after a partition are bounded by the events in flight
/// at that moment.
/// </summary>
internal sealed class SelfFence : IDisposable
{
    /// <summary>
    /// The share of the session TTL given up for safety: other members judge the lease expired by their own wall clock
    /// against the expiry this member wrote, so clock skew and clock rate between hosts eat into the TTL. 20 % of a
    /// 1 s TTL is 200 ms, far more than NTP-synchronised hosts differ; renewals come every heartbeat (at most half the TTL).
    /// </summary>
    public const double SafetyMargin = 0.2;

    private readonly ConsumerGroup _group;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _memberId;
    private readonly int _partition;
    private readonly long _epoch;
    private readonly long _validTicks;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private long _validUntil;
    private bool _suspended;
    private bool _disposed;

    /// <summary>
    /// Guards <paramref name="partition"/>, started under <paramref name="epoch"/>, whose lease was acquired by a request
    /// sent at <paramref name="sentAt"/> (a <see cref="TimeProvider.GetTimestamp"/> of <paramref name="time"/>).
    /// </summary>
    public SelfFence(ConsumerGroup group, TimeProvider time, TimeSpan ttl, ILogger logger, string memberId, int partition, long epoch, long sentAt)
    {
        _group = group;
        _time = time;
        _logger = logger;
        _memberId = memberId;
        _partition = partition;
        _epoch = epoch;
        _validTicks = (long)(ttl.TotalSeconds * (1 - SafetyMargin) * time.TimestampFrequency);
        _validUntil = sentAt + _validTicks;
        _timer = time.CreateTimer(static state => ((SelfFence)state!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            Arm();
        }
    }

    /// <summary>True while the partition is suspended because its lease was not renewed in time.</summary>
    public bool Suspended
    {
        get
        {
            lock (_gate)
            {
                return _suspended;
            }
        }
    }

    /// <summary>
    /// A renewal sent at <paramref name="sentAt"/> succeeded: the lease is valid until then + TTL × (1 − margin). A
    /// suspended partition resumes when that is still ahead.
    /// </summary>
    public async Task RenewedAsync(long sentAt)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _validUntil = Math.Max(_validUntil, sentAt + _validTicks);
            Arm();
            if (!_suspended || _time.GetTimestamp() >= _validUntil)
            {
                return;
            }

            _suspended = false;
        }

        if (await _group.ResumePartitionAsync(_partition, _epoch))
        {
            ClusterLog.SelfFenceResumed(_logger, _group.Options.Name, _memberId, _partition, _epoch);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    /// <summary>Arms the timer for the current deadline (under the gate).</summary>
    private void Arm()
    {
        var left = _validUntil - _time.GetTimestamp();
        _timer.Change(left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
    }

    private void Check()
    {
        lock (_gate)
        {
            if (_disposed || _suspended)
            {
                return;
            }

            if (_time.GetTimestamp() < _validUntil)
            {
                Arm(); // renewed meanwhile
                return;
            }

            // Under the gate, so a renewal that comes now resumes after this suspension, never before it.
            _suspended = true;
            if (_group.SuspendPartition(_partition, _epoch))
            {
                var validMs = (long)((double)_validTicks / _time.TimestampFrequency * 1000);
                ClusterLog.SelfFenced(_logger, _group.Options.Name, _memberId, _partition, _epoch, validMs);
            }
        }
    }
}
