namespace Shoal.Processing;

/// <summary>
/// Tracks which offsets of one partition are done when events complete out of order, and exposes the
/// contiguous watermark: the lowest offset not yet done. Only the watermark is ever committed, so a
/// commit never skips an unfinished event. The window (offsets between the watermark and the next
/// offset fetched) is bounded by <see cref="Capacity"/>, which bounds prefetch and redelivery.
/// </summary>
/// <remarks>Not thread-safe: the dispatcher calls it under its own lock.</remarks>
internal sealed class OffsetTracker
{
    private readonly bool[] _done;
    private readonly int _mask;
    private long _watermark;
    private TaskCompletionSource? _waiter;
    private long _waiterTarget;

    public OffsetTracker(int capacity, long start)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _done = new bool[size];
        _mask = size - 1;
        _watermark = start;
    }

    /// <summary>The largest allowed distance between the watermark and the next offset fetched.</summary>
    public int Capacity { get; }

    /// <summary>The lowest offset that is not done: everything below it is.</summary>
    public long Watermark => Volatile.Read(ref _watermark);

    /// <summary>Marks <paramref name="offset"/> done and advances the watermark over every contiguous done offset.</summary>
    public void MarkDone(long offset)
    {
        var watermark = _watermark;
        if (offset < watermark || offset >= watermark + _done.Length)
        {
            throw new InvalidOperationException($"Offset {offset} is outside the in-flight window [{watermark}, {watermark + _done.Length}).");
        }

        if (offset != watermark)
        {
            _done[offset & _mask] = true;
            return;
        }

        watermark++;
        while (_done[watermark & _mask])
        {
            _done[watermark & _mask] = false;
            watermark++;
        }

        Volatile.Write(ref _watermark, watermark);
        if (_waiter is not null && watermark >= _waiterTarget)
        {
            var waiter = _waiter;
            _waiter = null;
            waiter.TrySetResult();
        }
    }

    /// <summary>Moves an idle tracker (nothing in flight) to a new start, e.g. over offsets trimmed by retention.</summary>
    public void Reset(long start)
    {
        Array.Clear(_done);
        Volatile.Write(ref _watermark, start);
    }

    /// <summary>
    /// A task that completes once the watermark reaches <paramref name="target"/>; null when it already has.
    /// Only one waiter at a time (the partition's fetch loop).
    /// </summary>
    public Task? WaitForWatermark(long target)
    {
        if (_watermark >= target)
        {
            return null;
        }

        _waiterTarget = target;
        _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _waiter.Task;
    }
}
