using System.Globalization;

namespace Shoal.Cluster;

public sealed partial class GuaranteeChecker
{
    /// <summary>
    /// Judges a whole run (see <see cref="GuaranteeRun"/> for its records and <see cref="GuaranteeVerdict"/> for each
    /// invariant): lost, order, zombie commits accepted, double ownership, duplicates within the in-flight window, and
    /// liveness when the run says when it healed and settled.
    /// </summary>
    public static GuaranteeVerdict Check(GuaranteeRun input)
    {
        var details = new List<string>();
        void Detail(string text)
        {
            if (details.Count < 20)
            {
                details.Add(text);
            }
        }

        // 1. Epochs from the lease writes, in the order they happened.
        var epochs = new Dictionary<(int, long), OwnershipEpoch>();
        var current = new Dictionary<int, OwnershipEpoch>();
        var takeovers = 0;
        var doubleOwnership = 0;
        var zombieCommits = 0;
        var fences = new Dictionary<int, List<(TimeSpan At, long Epoch)>>();
        foreach (var w in input.Writes)
        {
            if (!w.IsLease)
            {
                // The offset record is the fencing token: a new owner's first write (its fence) ends every older epoch
                // of the partition; from then on, a write with an older epoch is a zombie commit that got through.
                var fenced = fences.TryGetValue(w.Partition, out var list) ? list[^1].Epoch : 0;
                if (w.Epoch < fenced)
                {
                    zombieCommits++;
                    Detail(Invariant($"zombie commit accepted: {w.Actor} wrote offset {w.Offset} of p{w.Partition} with epoch {w.Epoch} at {w.At.TotalMilliseconds:F0} ms after epoch {fenced} had fenced it"));
                }
                else if (w.Epoch > fenced)
                {
                    (list ??= fences[w.Partition] = []).Add((w.At, w.Epoch));
                }

                continue;
            }

            current.TryGetValue(w.Partition, out var previous);
            if (w.Owner.Length > 0 && (previous is null || w.Epoch > previous.Number))
            {
                // An acquisition. The previous holder must have released, or its lease must have expired.
                if (previous is not null)
                {
                    var expired = previous.ExpiresAt <= w.At;
                    if (previous.ReleasedAt is null)
                    {
                        takeovers++;
                        if (!expired && previous.Owner != w.Owner)
                        {
                            doubleOwnership++;
                            Detail(Invariant($"double ownership: {w.Actor} took p{w.Partition} epoch {w.Epoch} at {w.At.TotalMilliseconds:F0} ms while {previous.Owner}'s epoch {previous.Number} was unexpired and not released"));
                        }
                    }
                }

                var epoch = new OwnershipEpoch(w.Partition, w.Epoch, w.Owner, w.At) { ExpiresAt = w.LeaseExpiresAt };
                epochs[(w.Partition, w.Epoch)] = epoch;
                current[w.Partition] = epoch;
            }
            else if (epochs.TryGetValue((w.Partition, w.Epoch), out var same))
            {
                if (w.Owner.Length == 0)
                {
                    same.ReleasedAt ??= w.At;
                }
                else
                {
                    same.ExpiresAt = same.ExpiresAt > w.LeaseExpiresAt ? same.ExpiresAt : w.LeaseExpiresAt;
                }
            }
        }

        // 2. A member handles a partition's events only while it owns it: never after it released the lease.
        foreach (var h in input.Handlings)
        {
            if (h.Epoch > 0 && epochs.TryGetValue((h.Partition, h.Epoch), out var e) && e.ReleasedAt is { } released
                && e.Owner == h.Member && (h.End ?? TimeSpan.MaxValue) > released)
            {
                doubleOwnership++;
                Detail(Invariant($"double ownership: {h.Member} handled p{h.Partition}@{h.Offset} (epoch {h.Epoch}) until {(h.End ?? TimeSpan.MaxValue).TotalMilliseconds:F0} ms, after releasing the lease at {released.TotalMilliseconds:F0} ms"));
            }
        }

        // 3. Accepted handlings: successful, finished before a newer epoch fenced the partition's offset record.
        bool Accepted(HandlerAttempt h)
        {
            if (!h.Succeeded || h.End is not { } end)
            {
                return false;
            }

            if (fences.TryGetValue(h.Partition, out var list))
            {
                foreach (var (at, epoch) in list)
                {
                    if (epoch > h.Epoch)
                    {
                        return end <= at;
                    }
                }
            }

            return true;
        }

        // Lost and duplicates: the accepted handlings, recorded against what was acknowledged and not dead-lettered.
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var capacity = new List<long>();
        foreach (var e in input.Events)
        {
            if (!keys.TryGetValue(e.Key, out var k))
            {
                keys[e.Key] = k = keys.Count;
                capacity.Add(0);
            }

            capacity[k] = Math.Max(capacity[k], e.Sequence + 1);
        }

        var stored = new Dictionary<(int Partition, long Offset), int>();
        var where = new Dictionary<int, StoredEvent>();
        foreach (var s in input.Stored)
        {
            stored[(s.Partition, s.Offset)] = s.Event;
            where.Add(s.Event, s);
        }

        var checker = new GuaranteeChecker(capacity);
        foreach (var h in input.Handlings)
        {
            if (Accepted(h) && stored.TryGetValue((h.Partition, h.Offset), out var index))
            {
                var e = input.Events[index];
                checker.Record(keys[e.Key], e.Sequence);
            }
        }

        var lost = 0;
        var acknowledged = 0;
        for (var index = 0; index < input.Events.Count; index++)
        {
            var e = input.Events[index];
            if (!e.Acknowledged)
            {
                continue;
            }

            acknowledged++;
            var at = where.GetValueOrDefault(index);
            if (checker.WasRecorded(keys[e.Key], e.Sequence) || at is { DeadLettered: true })
            {
                continue;
            }

            lost++;
            Detail(Invariant($"lost: event e{index} ({e.Key}#{e.Sequence}) at p{at?.Partition ?? 0}@{at?.Offset ?? 0} was acknowledged but never handled in an accepted epoch nor dead-lettered"));
        }

        var duplicates = (int)checker.Check().Duplicates;
        var allowed = takeovers * input.MaxInFlight;

        // 4. Order: within one ownership (partition, epoch), a key's first attempts go up in sequence. The one repeat
        //    allowed is the same event started again at attempt 1 after its last attempt ended unfinished: a member that
        //    suspended the partition (self-fencing: its running handlers cancelled) resumes it under the same epoch and
        //    re-runs what the suspension cancelled, before anything later of the key. A repeat after the event
        //    succeeded, or while its attempt still ran, stays a violation.
        var order = 0;
        var last = new Dictionary<(int, long, string), HandlerAttempt>();
        var latest = new Dictionary<(int, long, string), HandlerAttempt>(); // the key's latest attempt of any number
        foreach (var h in input.Handlings)
        {
            var slot = (h.Partition, h.Epoch, h.Key);
            latest.TryGetValue(slot, out var previous);
            latest[slot] = h;
            if (h.Attempt != 1)
            {
                continue;
            }

            if (last.TryGetValue(slot, out var before) && h.Sequence <= before.Sequence && !RerunAfterCancel(h, before, previous))
            {
                order++;
                Detail(Invariant($"order: {h.Member} started {h.Key}#{h.Sequence} after {h.Key}#{before.Sequence} in p{h.Partition} epoch {h.Epoch} at {h.Start.TotalMilliseconds:F0} ms"));
            }

            last[slot] = h;
        }

        // 5. Liveness.
        var liveness = input.LivenessBound is { } bound && (input.SettledAt is null || input.HealedAt is null || input.SettledAt - input.HealedAt > bound);
        if (liveness)
        {
            Detail(Invariant($"liveness: not everything handled and committed within {input.LivenessBound!.Value.TotalSeconds:F0} s of the last fault (healed at {input.HealedAt?.TotalMilliseconds:F0} ms); committed: {string.Join(", ", input.Committed.OrderBy(c => c.Key).Select(c => $"p{c.Key}={c.Value.Offset}/e{c.Value.Epoch}"))}"));
        }

        if (duplicates > allowed)
        {
            Detail(Invariant($"duplicates: {duplicates} redeliveries exceed the in-flight window ({input.MaxInFlight}) × {takeovers} takeovers"));
        }

        return new GuaranteeVerdict
        {
            EventsChecked = acknowledged,
            Lost = lost,
            OrderViolations = order,
            ZombieCommitsAccepted = zombieCommits,
            DoubleOwnership = doubleOwnership,
            Duplicates = duplicates,
            DuplicatesAllowed = allowed,
            Takeovers = takeovers,
            LivenessFailed = liveness,
            Details = details,
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// True when <paramref name="h"/> starts the event of <paramref name="before"/> (the key's last first attempt in the
    /// ownership) again after the key's latest attempt, <paramref name="previous"/>, ended without success.
    /// </summary>
    private static bool RerunAfterCancel(HandlerAttempt h, HandlerAttempt before, HandlerAttempt? previous) =>
        h.Sequence == before.Sequence
        && previous is { Succeeded: false, End: { } end }
        && previous.Sequence == h.Sequence
        && end <= h.Start;

    private sealed class OwnershipEpoch(int partition, long number, string owner, TimeSpan acquiredAt)
    {
        public int Partition { get; } = partition;

        public long Number { get; } = number;

        public string Owner { get; } = owner;

        public TimeSpan AcquiredAt { get; } = acquiredAt;

        public TimeSpan? ReleasedAt { get; set; }

        public TimeSpan ExpiresAt { get; set; }
    }
}
