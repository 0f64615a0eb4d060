namespace Shoal.Engines.InProcess;

/// <summary>
/// The recently appended event ids of one topic, for de-duplication. De-duplication is per partition: an id is
/// remembered with its partition, so the same id in two partitions is two events, and a repeat always meets the
/// original of its own partition (an event's partition is a function of its key). One index serves every partition
/// of the topic, so <c>maxIds</c> bounds the ids of the whole topic: an id is remembered from its first append for
/// the topic's window (a repeat does not extend it), and at most <c>maxIds</c> ids are kept, the topic's oldest
/// evicted first. Not thread-safe: the topic serializes access.
/// </summary>
internal sealed class DeduplicationIndex(TimeSpan window, int maxIds)
{
    private readonly Dictionary<(int Partition, string Id), long> _offsets = [];
    private readonly Queue<(int Partition, string Id, long AddedTicks)> _order = new();
    private readonly long _windowTicks = window.Ticks;

    public int Count => _offsets.Count;

    /// <summary>The most ids remembered at once.</summary>
    public int MaxIds => maxIds;

    /// <summary>Forgets ids older than the window at <paramref name="nowTicks"/>.</summary>
    public void Expire(long nowTicks)
    {
        while (_order.TryPeek(out var oldest) && nowTicks - oldest.AddedTicks >= _windowTicks)
        {
            _order.Dequeue();
            _offsets.Remove((oldest.Partition, oldest.Id));
        }
    }

    /// <summary>The offset the id was stored at in the partition, when it is remembered.</summary>
    public bool TryGet(int partition, string id, out long offset) => _offsets.TryGetValue((partition, id), out offset);

    /// <summary>Remembers a newly stored id (not already remembered for the partition), evicting the topic's oldest when full.</summary>
    public void Add(int partition, string id, long offset, long addedTicks)
    {
        while (_order.Count >= maxIds && _order.TryDequeue(out var oldest))
        {
            _offsets.Remove((oldest.Partition, oldest.Id));
        }

        _offsets.Add((partition, id), offset);
        _order.Enqueue((partition, id, addedTicks));
    }
}
