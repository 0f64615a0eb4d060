using System.Globalization;
using Shoal.Cluster.Leases;
using Shoal.Engine;

namespace Shoal.Tests.Cluster;

/// <summary>Records every change under a prefix of the (shared, never paused) coordination store until disposed.</summary>
internal abstract class StoreWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private readonly Lock _lock = new();

    protected StoreWatch(ICoordinationStore store, string prefix)
    {
        Prefix = prefix;
        _watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in store.WatchAsync(prefix, _stop.Token))
                {
                    if (change.Kind == KvChangeKind.Put
                        && int.TryParse(change.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
                    {
                        lock (_lock)
                        {
                            Observe(partition, change.Value.Span);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    protected string Prefix { get; }

    /// <summary>Runs under the watch's lock, in revision order.</summary>
    protected abstract void Observe(int partition, ReadOnlySpan<byte> value);

    protected T Read<T>(Func<T> read)
    {
        lock (_lock)
        {
            return read();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
    }
}

/// <summary>
/// Checks every accepted write of a group's offset records: per partition the epoch never goes back (a write carrying
/// an epoch lower than one already seen is a zombie commit that was accepted) and the offset never goes back.
/// </summary>
internal sealed class OffsetWatch(ICoordinationStore store, string prefix) : StoreWatch(store, prefix)
{
    private readonly Dictionary<int, CommittedOffset> _latest = [];
    private readonly Dictionary<int, long> _maxEpoch = [];
    private readonly List<string> _zombieCommits = [];
    private readonly List<string> _regressions = [];
    private int _writes;

    public int PartitionsSeen => Read(() => _latest.Count);

    public int Writes => Read(() => _writes);

    /// <summary>Accepted writes whose epoch was below the highest epoch already seen for the partition.</summary>
    public IReadOnlyList<string> ZombieCommitsAccepted => Read(() => _zombieCommits.ToList());

    /// <summary>Accepted writes that moved a partition's committed offset back.</summary>
    public IReadOnlyList<string> OffsetRegressions => Read(() => _regressions.ToList());

    /// <summary>The highest epoch written to each partition's offset record.</summary>
    public IReadOnlyDictionary<int, long> MaxEpochs => Read(() => _maxEpoch.ToDictionary());

    protected override void Observe(int partition, ReadOnlySpan<byte> value)
    {
        _writes++;
        if (!CommittedOffset.TryDecode(value, out var written))
        {
            throw new InvalidOperationException($"partition {partition}: unreadable offset record");
        }

        if (_maxEpoch.TryGetValue(partition, out var max) && written.Epoch < max)
        {
            _zombieCommits.Add($"partition {partition}: {written} accepted after epoch {max}");
        }

        if (_latest.TryGetValue(partition, out var previous) && written.Offset < previous.Offset)
        {
            _regressions.Add($"partition {partition}: {previous} → {written}");
        }

        _maxEpoch[partition] = Math.Max(max, written.Epoch);
        _latest[partition] = written;
    }
}

/// <summary>Records every write of a group's lease records: (partition, owner, epoch), in revision order.</summary>
internal sealed class LeaseWatch(ICoordinationStore store, string prefix) : StoreWatch(store, prefix)
{
    private readonly List<(int Partition, string Owner, long Epoch)> _writes = [];

    public IReadOnlyList<(int Partition, string Owner, long Epoch)> Writes => Read(() => _writes.ToList());

    protected override void Observe(int partition, ReadOnlySpan<byte> value)
    {
        var lease = LeaseRecord.Decode(value, Prefix + partition.ToString(CultureInfo.InvariantCulture));
        _writes.Add((partition, lease.Owner, lease.Epoch));
    }
}
