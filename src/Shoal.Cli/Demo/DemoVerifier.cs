using System.Numerics;

namespace Shoal.Cli.Demo;

/// <summary>
/// Checks what the demo's handlers saw against what was published. Event n (0-based, in publish order) has
/// key <c>n mod keys</c> and sequence <c>n / keys</c>, so each key's sequences are 0, 1, 2, … and the expected
/// set follows from the number produced. One bit per (key, sequence) — about one bit per event — finds lost
/// events and duplicates exactly; a per-key highest sequence finds order violations.
/// </summary>
/// <remarks>
/// <see cref="Record"/> is called from handlers: events of one key never concurrently (the runtime's ordering
/// guarantee, which gives happens-before between them), events of different keys concurrently. Per-key counters
/// are therefore plain fields of the key's own slot; only the bitmap words that two keys' ranges share need
/// <see cref="Interlocked.Or(ref long, long)"/>. No global lock.
/// </remarks>
internal sealed class DemoVerifier
{
    private readonly DemoSettings _settings;
    private readonly int _keyCount;
    private readonly long _perKey;
    private readonly KeyState[] _states;
    private readonly long[] _seen;
    private readonly object[] _locks;

    public DemoVerifier(DemoSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Events, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Keys, 1);
        _settings = settings;
        // Keys at or beyond the event count never get an event: they need no state.
        _keyCount = (int)Math.Min(settings.Keys, settings.Events);
        _perKey = (settings.Events + settings.Keys - 1) / settings.Keys;
        _states = new KeyState[_keyCount];
        _locks = new object[_keyCount];
        for (var i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new object();
            _states[i].Highest = -1;
        }

        _seen = new long[(_keyCount * _perKey + 63) / 64];
    }

    /// <summary>The key index of the n-th published event.</summary>
    public int KeyOf(long eventNumber) => (int)(eventNumber % _settings.Keys);

    /// <summary>The sequence (within its key) of the n-th published event.</summary>
    public long SequenceOf(long eventNumber) => eventNumber / _settings.Keys;

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
        if ((uint)keyIndex >= (uint)_keyCount || (ulong)sequence >= (ulong)_perKey)
        {
            throw new ArgumentOutOfRangeException(
                nameof(sequence), $"key {keyIndex}, sequence {sequence} was never published (keys {_settings.Keys}, events {_settings.Events}).");
        }

        // One key's events are handled one at a time by one owner, but during a failover a former owner and the
        // new one may both handle the same key: a per-key lock keeps the key's counters exact (it is uncontended
        // otherwise).
        lock (_locks[keyIndex])
        {
            ref var state = ref _states[keyIndex];
            state.Count++;
            var bit = (keyIndex * _perKey) + sequence;
            var mask = 1L << (int)(bit & 63);
            if ((Interlocked.Or(ref _seen[bit >> 6], mask) & mask) != 0)
            {
                state.Duplicates++;
                return;
            }

            if (sequence < state.Highest)
            {
                state.OrderViolations++;
            }
            else
            {
                state.Highest = sequence;
            }
        }
    }

    /// <summary>Compares the records with the first <paramref name="produced"/> published events.</summary>
    public DemoReport Build(long produced, TimeSpan elapsed, long peakWorkingSetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(produced);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(produced, _settings.Events);
        Interlocked.MemoryBarrier();

        long processed = 0, seenExpected = 0, duplicates = 0, violations = 0;
        var keys = _settings.Keys;
        for (var key = 0; key < _keyCount; key++)
        {
            ref readonly var state = ref _states[key];
            processed += state.Count;
            duplicates += state.Duplicates;
            violations += state.OrderViolations;
            var expected = (produced / keys) + (key < produced % keys ? 1 : 0);
            seenExpected += CountBits(key * _perKey, expected);
        }

        var seconds = elapsed.TotalSeconds;
        return new DemoReport
        {
            Produced = produced,
            Processed = processed,
            Lost = produced - seenExpected,
            Duplicates = duplicates,
            OrderViolations = violations,
            EventsPerSecond = seconds > 0 ? Math.Round(processed / seconds, 1) : 0,
            ElapsedMs = (long)Math.Round(elapsed.TotalMilliseconds),
            PeakMemoryMb = Math.Round(peakWorkingSetBytes / (1024.0 * 1024.0), 1),
            Partitions = _settings.Partitions,
            Keys = _settings.Keys,
            Nodes = _settings.Nodes,
        };
    }

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
