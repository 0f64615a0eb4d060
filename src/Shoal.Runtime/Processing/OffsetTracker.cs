using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>
/// Tracks which offsets of one partition are done when events complete out of order, and exposes the
/// contiguous watermark: the lowest offset not yet done. The watermark is what the group resumes from; the
/// done offsets above it (<see cref="DoneAbove"/>) are committed with it, so a new owner skips them instead of
/// handling them again. The window (offsets between the watermark and the next offset fetched) is bounded by
/// <see cref="Capacity"/>, which bounds prefetch and redelivery.
/// </summary>
/// <remarks>Not thread-safe: the dispatcher calls it under its own lock.</remarks>
internal sealed class OffsetTracker
{
    private readonly bool[] _done;
    private readonly int _mask;
    private long _watermark;
    private long _highestDone;
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
        _highestDone = start - 1;
    }

    /// <summary>The largest allowed distance between the watermark and the next offset fetched.</summary>
    public int Capacity { get; }

    /// <summary>The lowest offset that is not done: everything below it is.</summary>
    public long Watermark => Volatile.Read(ref _watermark);

    /// <summary>True when <paramref name="offset"/> is done: below the watermark, or marked above it.</summary>
    public bool IsDone(long offset) =>
        offset < _watermark || (offset <= _highestDone && offset < _watermark + _done.Length && _done[offset & _mask]);

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
            _highestDone = Math.Max(_highestDone, offset);
            return;
        }

        watermark++;
        while (watermark <= _highestDone && _done[watermark & _mask])
        {
            _done[watermark & _mask] = false;
            watermark++;
        }

        Volatile.Write(ref _watermark, watermark);
        _highestDone = Math.Max(_highestDone, watermark - 1);
        if (_waiter is not null && watermark >= _waiterTarget)
        {
            var waiter = _waiter;
            _waiter = null;
            waiter.TrySetResult();
        }
    }

    /// <summary>
    /// Marks offsets a previous owner committed as done (<see cref="CommittedOffset.Done"/>), so their events are
    /// skipped. Only offsets inside the window count; later ones are forgotten (handled again: at-least-once).
    /// Call on a fresh tracker, before anything is fetched.
    /// </summary>
    public void MarkDone(IReadOnlyList<OffsetRange> ranges)
    {
        var limit = _watermark + Capacity;
        foreach (var range in ranges)
        {
            for (var offset = Math.Max(range.Start, _watermark + 1); offset < Math.Min(range.End, limit); offset++)
            {
                _done[offset & _mask] = true;
                _highestDone = Math.Max(_highestDone, offset);
            }
        }
    }

    /// <summary>The done offsets above the watermark, as sorted ranges (empty when there are none).</summary>
    public OffsetRange[] DoneAbove()
    {
        var watermark = _watermark;
        if (_highestDone <= watermark)
        {
            return [];
        }

        List<OffsetRange>? ranges = null;
        long start = -1;
        for (var offset = watermark + 1; offset <= _highestDone; offset++)
        {
            var done = _done[offset & _mask];
            if (done && start < 0)
            {
                start = offset;
            }
            else if (!done && start >= 0)
            {
                (ranges ??= []).Add(new OffsetRange(start, offset));
                start = -1;
            }
        }

        if (start >= 0)
        {
            (ranges ??= []).Add(new OffsetRange(start, _highestDone + 1));
        }

        return ranges is null ? [] : [.. ranges];
    }

    /// <summary>Moves an idle tracker (nothing in flight) to a new start, e.g. over offsets trimmed by retention.</summary>
    public void Reset(long start)
    {
        Array.Clear(_done);
        Volatile.Write(ref _watermark, start);
        _highestDone = start - 1;
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
