namespace Shoal.Cluster.Leases;

/// <summary>
/// The leases a member holds, by partition; safe to read from any thread (the public status does). A lease removed
/// is disposed (its self-fence timer stops).
/// </summary>
internal sealed class HeldLeases
{
    private readonly Dictionary<int, HeldLease> _held = [];
    private readonly Lock _gate = new();

    /// <summary>The held leases now.</summary>
    public HeldLease[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _held.Values];
        }
    }

    /// <summary>A copy of the held leases by partition.</summary>
    public Dictionary<int, HeldLease> ByPartition()
    {
        lock (_gate)
        {
            return new Dictionary<int, HeldLease>(_held);
        }
    }

    /// <summary>The held partitions with their epochs.</summary>
    public IReadOnlyDictionary<int, long> Epochs()
    {
        lock (_gate)
        {
            return _held.ToDictionary(h => h.Key, h => h.Value.Lease.Epoch);
        }
    }

    public void Add(HeldLease lease)
    {
        lock (_gate)
        {
            if (_held.Remove(lease.Partition, out var replaced))
            {
                replaced.Dispose();
            }

            _held[lease.Partition] = lease;
        }
    }

    public void Remove(int partition)
    {
        lock (_gate)
        {
            if (_held.Remove(partition, out var removed))
            {
                removed.Dispose();
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            foreach (var h in _held.Values)
            {
                h.Dispose();
            }

            _held.Clear();
        }
    }

    /// <summary>Forgets every lease and returns their partitions.</summary>
    public int[] RemoveAll()
    {
        lock (_gate)
        {
            int[] partitions = [.. _held.Keys];
            foreach (var h in _held.Values)
            {
                h.Dispose();
            }

            _held.Clear();
            return partitions;
        }
    }

    /// <summary>Marks <paramref name="partition"/> fenced when it is still held under <paramref name="epoch"/>.</summary>
    public void MarkFenced(int partition, long epoch)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(partition, out var h) && h.Lease.Epoch == epoch)
            {
                h.Fenced = true;
            }
        }
    }
}
