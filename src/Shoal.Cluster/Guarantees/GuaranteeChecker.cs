using System.Numerics;

namespace Shoal.Cluster;

/// <summary>
/// Checks the guarantees of a run — nothing lost, duplicates, each key's order, and, where ownership is known, no
/// zombie commit accepted and no double ownership — from what was published and what handlers did. Used by
/// <c>shoal demo</c>, <c>shoal verify</c> and <c>shoal chaos</c>; a library user checks a run of their own the same way.
/// </summary>
/// <remarks>
/// <para>
/// Two ways in. Recording: keys are indices 0 … <see cref="KeyCount"/> − 1 and every key's sequences are 0, 1, 2, …;
/// handlers call <see cref="Record(int, long)"/> (or <see cref="Record(int, long, long)"/> with the owner's fencing
/// epoch) as they go, what was published is marked with <see cref="MarkProduced"/> or
/// <see cref="MarkProducedFirst"/>, and <see cref="Check()"/> counts. One bit per (key, sequence) — about one bit per
/// event — finds lost events and duplicates exactly; a per-key highest sequence finds order violations. A whole run:
/// <see cref="Check(GuaranteeRun)"/> judges handler attempts, lease and offset-record writes (see
/// <see cref="GuaranteeRun"/>) and returns a <see cref="GuaranteeVerdict"/>.
/// </para>
/// <para>
/// <see cref="Record(int, long)"/> may be called from handlers: events of one key never concurrently (the runtime's
/// ordering guarantee, which gives happens-before between them), events of different keys concurrently. Per-key
/// counters are therefore plain fields of the key's own slot; only the bitmap words that two keys' ranges share need
/// <see cref="Interlocked.Or(ref long, long)"/>. No global lock.
/// </para>
/// </remarks>
public sealed partial class GuaranteeChecker
{
    private readonly int _keyCount;
    private readonly long[] _start;
    private readonly KeyState[] _states;
    private readonly long[] _seen;
    private readonly object[] _locks;
    private long[]? _produced;
    private Dictionary<(int Key, long Epoch), long>? _lastInEpoch;

    /// <summary>A checker for keys 0 … capacity.Count − 1, key k with sequences 0 … capacity[k] − 1.</summary>
    /// <param name="capacity">Per key, how many sequences it may have.</param>
    public GuaranteeChecker(IReadOnlyList<long> capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        _keyCount = capacity.Count;
        _start = new long[_keyCount + 1];
        for (var k = 0; k < _keyCount; k++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(capacity[k]);
            _start[k + 1] = _start[k] + capacity[k];
        }

        _states = new KeyState[_keyCount];
        _locks = new object[_keyCount];
        for (var i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new object();
            _states[i].Highest = -1;
        }

        _seen = new long[(_start[_keyCount] + 63) / 64];
    }

    /// <summary>Keys of the checker (indices 0 … KeyCount − 1).</summary>
    public int KeyCount => _keyCount;

    /// <summary>True when (key, sequence) is within the checker's capacity.</summary>
    public bool Contains(int keyIndex, long sequence) =>
        (uint)keyIndex < (uint)_keyCount && (ulong)sequence < (ulong)(_start[keyIndex + 1] - _start[keyIndex]);

    /// <summary>Events recorded so far (a racy sum, for progress only).</summary>
    public long RecordedSoFar()
    {
        long total = 0;
        for (var i = 0; i < _states.Length; i++)
        {
            total += Volatile.Read(ref _states[i].Count);
        }

        return total;
    }

    /// <summary>Distinct events recorded so far (a racy sum, for progress and completion only).</summary>
    public long DistinctSoFar()
    {
        long total = 0;
        for (var i = 0; i < _states.Length; i++)
        {
            total += Volatile.Read(ref _states[i].Count) - Volatile.Read(ref _states[i].Duplicates);
        }

        return total;
    }

    /// <summary>
    /// Records that a handler saw the event with this key and sequence. Delivery is at-least-once, so a sequence
    /// seen before is a duplicate (a redelivery), not a reordering; an order violation is a sequence handled for the
    /// first time after a later sequence of its key was already handled.
    /// </summary>
    public void Record(int keyIndex, long sequence)
    {
        if (!Contains(keyIndex, sequence))
        {
            throw new ArgumentOutOfRangeException(
                nameof(sequence), $"key {keyIndex}, sequence {sequence} was never published ({_keyCount} keys).");
        }

        // One key's events are handled one at a time by one owner, but during a failover a former owner and the
        // new one may both handle the same key: a per-key lock keeps the key's counters exact (it is uncontended
        // otherwise).
        lock (_locks[keyIndex])
        {
            RecordLocked(keyIndex, sequence);
        }
    }

    /// <summary>
    /// Records a handling that one owner did under fencing epoch <paramref name="epoch"/> (records of one key must be
    /// passed in the order they were written). Besides <see cref="Record(int, long)"/>'s rules, within one epoch a
    /// key's sequences must not go back: one owner handles a key's events in offset order, and only a new owner (a
    /// new epoch) may restart from the committed offset. A repeat of the same sequence in one epoch (a retried
    /// record) is a duplicate only.
    /// </summary>
    public void Record(int keyIndex, long sequence, long epoch)
    {
        if (!Contains(keyIndex, sequence))
        {
            throw new ArgumentOutOfRangeException(
                nameof(sequence), $"key {keyIndex}, sequence {sequence} was never published ({_keyCount} keys).");
        }

        lock (_locks[keyIndex])
        {
            _lastInEpoch ??= [];
            ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_lastInEpoch, (keyIndex, epoch), out var exists);
            var backwards = exists && sequence < last;
            if (!exists || sequence > last)
            {
                last = sequence;
            }

            if (RecordLocked(keyIndex, sequence) && backwards)
            {
                // A repeat that went back within one owner's tenure: a reordering the first-time rule cannot see.
                _states[keyIndex].OrderViolations++;
            }
        }
    }

    /// <summary>
    /// Marks (key, sequence) as published (found in the log, or acknowledged): <see cref="Check()"/> counts it as
    /// expected. Returns false when it was marked already.
    /// </summary>
    public bool MarkProduced(int keyIndex, long sequence)
    {
        if (!Contains(keyIndex, sequence))
        {
            throw new ArgumentOutOfRangeException(
                nameof(sequence), $"key {keyIndex}, sequence {sequence} is outside the checker ({_keyCount} keys).");
        }

        _produced ??= new long[_seen.Length];
        var bit = _start[keyIndex] + sequence;
        ref var word = ref _produced[bit >> 6];
        var mask = 1L << (int)(bit & 63);
        var fresh = (word & mask) == 0;
        word |= mask;
        return fresh;
    }

    /// <summary>
    /// Compares the records with what <see cref="MarkProduced"/> marked: produced, handled (records), lost (marked,
    /// never recorded), duplicates and order violations. Call once recording has stopped.
    /// </summary>
    public GuaranteeCounts Check()
    {
        Interlocked.MemoryBarrier();
        long processed = 0, duplicates = 0, violations = 0, produced = 0, lost = 0;
        foreach (ref readonly var state in _states.AsSpan())
        {
            processed += state.Count;
            duplicates += state.Duplicates;
            violations += state.OrderViolations;
        }

        if (_produced is { } marked)
        {
            for (var i = 0; i < marked.Length; i++)
            {
                produced += BitOperations.PopCount((ulong)marked[i]);
                lost += BitOperations.PopCount((ulong)(marked[i] & ~_seen[i]));
            }
        }

        return new GuaranteeCounts(produced, processed, lost, duplicates, violations);
    }

    /// <summary>Updates the key's counters; true when the sequence had been seen before (a duplicate).</summary>
    private bool RecordLocked(int keyIndex, long sequence)
    {
        ref var state = ref _states[keyIndex];
        state.Count++;
        var bit = _start[keyIndex] + sequence;
        var mask = 1L << (int)(bit & 63);
        if ((Interlocked.Or(ref _seen[bit >> 6], mask) & mask) != 0)
        {
            state.Duplicates++;
            return true;
        }

        if (sequence < state.Highest)
        {
            state.OrderViolations++;
        }
        else
        {
            state.Highest = sequence;
        }

        return false;
    }

    /// <summary>
    /// Marks sequences 0 … <paramref name="count"/> − 1 of <paramref name="keyIndex"/> as published (see
    /// <see cref="MarkProduced"/>): a key whose events were published in sequence order.
    /// </summary>
    public void MarkProducedFirst(int keyIndex, long count)
    {
        if (count == 0)
        {
            return;
        }

        if (count < 0 || !Contains(keyIndex, count - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"key {keyIndex}, sequences 0 … {count - 1} are outside the checker ({_keyCount} keys).");
        }

        _produced ??= new long[_seen.Length];
        var end = _start[keyIndex] + count;
        for (var bit = _start[keyIndex]; bit < end; bit++)
        {
            _produced[bit >> 6] |= 1L << (int)(bit & 63);
        }
    }

    /// <summary>True when (key, sequence) was recorded at least once.</summary>
    public bool WasRecorded(int keyIndex, long sequence) =>
        Contains(keyIndex, sequence) && CountBits(_start[keyIndex] + sequence, 1) == 1;

    private long CountBits(long start, long length)
    {
        long count = 0;
        var end = start + length;
        var bit = start;
        while (bit < end)
        {
            var word = _seen[bit >> 6];
            var offset = (int)(bit & 63);
            var take = (int)Math.Min(64 - offset, end - bit);
            var mask = take == 64 ? -1L : ((1L << take) - 1) << offset;
            count += BitOperations.PopCount((ulong)(word & mask));
            bit += take;
        }

        return count;
    }

    private struct KeyState
    {
        public long Count;
        public long Highest;
        public long Duplicates;
        public long OrderViolations;
    }
}
