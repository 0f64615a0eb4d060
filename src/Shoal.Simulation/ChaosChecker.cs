using System.Globalization;
using Shoal.Engine;

namespace Shoal.Simulation;

/// <summary>What the checker found in one run. Every count but <see cref="Duplicates"/> must be 0.</summary>
internal sealed record ChaosCheck
{
    public int EventsChecked { get; init; }

    public int Lost { get; init; }

    public int OrderViolations { get; init; }

    public int ZombieCommitsAccepted { get; init; }

    public int DoubleOwnership { get; init; }

    public int Duplicates { get; init; }

    /// <summary>In-flight window × takeovers (acquisitions of a lease its holder had not released).</summary>
    public int DuplicatesAllowed { get; init; }

    public int Takeovers { get; init; }

    public bool DuplicatesOverWindow => Duplicates > DuplicatesAllowed;

    /// <summary>Not everything was handled and committed within the bound after the last fault.</summary>
    public bool LivenessFailed { get; init; }

    public IReadOnlyList<string> Details { get; init; } = [];

    public int Violations => Lost + OrderViolations + ZombieCommitsAccepted + DoubleOwnership + (DuplicatesOverWindow ? 1 : 0) + (LivenessFailed ? 1 : 0);
}

/// <summary>
/// The invariants of docs/guarantees.md, checked over one run's records (see docs/testing.md for each definition):
/// lost, order, zombie commits accepted, double ownership, duplicates within the in-flight window, liveness.
/// </summary>
internal static class ChaosChecker
{
    public sealed record Input(
        ChaosWorkload Workload,
        IReadOnlyDictionary<(int Partition, long Offset), int> Stored,
        IReadOnlySet<int> Acknowledged,
        IReadOnlyList<Handling> Handlings,
        IReadOnlyList<RecordWrite> Writes,
        IReadOnlySet<(int Partition, long Offset)> DeadLettered,
        IReadOnlyDictionary<int, CommittedOffset> Committed,
        int MaxInFlight,
        TimeSpan? HealedAt,
        TimeSpan? SettledAt,
        TimeSpan LivenessBound);

    private sealed class Epoch(int partition, long number, string owner, TimeSpan acquiredAt)
    {
        public int Partition { get; } = partition;

        public long Number { get; } = number;

        public string Owner { get; } = owner;

        public TimeSpan AcquiredAt { get; } = acquiredAt;

        public TimeSpan? ReleasedAt { get; set; }

        public long ExpiresAtMs { get; set; }
    }

    public static ChaosCheck Check(Input input)
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
        var epochs = new Dictionary<(int, long), Epoch>();
        var current = new Dictionary<int, Epoch>();
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
                    var expired = previous.ExpiresAtMs - VirtualClock.Origin.ToUnixTimeMilliseconds() <= w.At.TotalMilliseconds;
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

                var epoch = new Epoch(w.Partition, w.Epoch, w.Owner, w.At) { ExpiresAtMs = w.ExpiresAtMs };
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
                    same.ExpiresAtMs = Math.Max(same.ExpiresAtMs, w.ExpiresAtMs);
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
        bool Accepted(Handling h)
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

        var handledBy = new Dictionary<int, int>();
        foreach (var h in input.Handlings)
        {
            if (Accepted(h) && input.Stored.TryGetValue((h.Partition, h.Offset), out var index))
            {
                handledBy[index] = handledBy.GetValueOrDefault(index) + 1;
            }
        }

        var where = input.Stored.ToDictionary(kv => kv.Value, kv => kv.Key);
        var lost = 0;
        foreach (var index in input.Acknowledged.Order())
        {
            if (handledBy.ContainsKey(index) || (where.TryGetValue(index, out var at) && input.DeadLettered.Contains(at)))
            {
                continue;
            }

            lost++;
            var e = input.Workload.Events[index];
            Detail(Invariant($"lost: event e{index} ({e.Key}#{e.Seq}) at p{where.GetValueOrDefault(index).Partition}@{where.GetValueOrDefault(index).Offset} was acknowledged but never handled in an accepted epoch nor dead-lettered"));
        }

        var duplicates = handledBy.Values.Sum(n => n - 1);
        var allowed = takeovers * input.MaxInFlight;

        // 4. Order: within one ownership (partition, epoch), a key's first attempts go up in sequence.
        var order = 0;
        var last = new Dictionary<(int, long, string), Handling>();
        foreach (var h in input.Handlings)
        {
            if (h.Attempt != 1)
            {
                continue;
            }

            var slot = (h.Partition, h.Epoch, h.Key);
            if (last.TryGetValue(slot, out var before) && h.Seq <= before.Seq)
            {
                order++;
                Detail(Invariant($"order: {h.Member} started {h.Key}#{h.Seq} after {h.Key}#{before.Seq} in p{h.Partition} epoch {h.Epoch} at {h.Start.TotalMilliseconds:F0} ms"));
            }

            last[slot] = h;
        }

        // 5. Liveness.
        var liveness = input.SettledAt is null || input.HealedAt is null || input.SettledAt - input.HealedAt > input.LivenessBound;
        if (liveness)
        {
            Detail(Invariant($"liveness: not everything handled and committed within {input.LivenessBound.TotalSeconds:F0} s of the last fault (healed at {input.HealedAt?.TotalMilliseconds:F0} ms); committed: {string.Join(", ", input.Committed.OrderBy(c => c.Key).Select(c => $"p{c.Key}={c.Value.Offset}/e{c.Value.Epoch}"))}"));
        }

        if (duplicates > allowed)
        {
            Detail(Invariant($"duplicates: {duplicates} redeliveries exceed the in-flight window ({input.MaxInFlight}) × {takeovers} takeovers"));
        }

        return new ChaosCheck
        {
            EventsChecked = input.Acknowledged.Count,
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
}
