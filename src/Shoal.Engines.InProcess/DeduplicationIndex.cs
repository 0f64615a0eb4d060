namespace Shoal.Engines.InProcess;

/// <summary>
/// The recently appended event ids of one topic, for de-duplication. An id is remembered from its first append
/// for the topic's window (a repeat does not extend it) and at most <c>maxIds</c> ids are kept, oldest evicted
/// first, so memory stays bounded. Not thread-safe: the topic serializes access.
/// </summary>
internal sealed class DeduplicationIndex(TimeSpan window, int maxIds)
{
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long AddedTicks)> _order = new();
    private readonly long _windowTicks = window.Ticks;

    public int Count => _offsets.Count;

    /// <summary>Forgets ids older than the window at <paramref name="nowTicks"/>.</summary>
    public void Expire(long nowTicks)
    {
        while (_order.TryPeek(out var oldest) && nowTicks - oldest.AddedTicks >= _windowTicks)
        {
            _order.Dequeue();
            _offsets.Remove(oldest.Id);
        }
    }

    /// <summary>The offset the id was stored at, when it is remembered.</summary>
    public bool TryGet(string id, out long offset) => _offsets.TryGetValue(id, out offset);

    /// <summary>Remembers a newly stored id (not already remembered), evicting the oldest when full.</summary>
    public void Add(string id, long offset, long nowTicks)
    {
        while (_order.Count >= maxIds && _order.TryDequeue(out var oldest))
        {
            _offsets.Remove(oldest.Id);
        }

        _offsets.Add(id, offset);
        _order.Enqueue((id, nowTicks));
    }
}
