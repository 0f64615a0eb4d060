using Shoal.Engine;

namespace Shoal.Cluster;

/// <summary>
/// The records of one run that <see cref="GuaranteeChecker.Check(GuaranteeRun)"/> judges. Times are on one clock of
/// the run's choosing (for example time since the run started); <see cref="OwnershipWrite.LeaseExpiresAt"/> is on the
/// same clock.
/// </summary>
public sealed record GuaranteeRun
{
    /// <summary>Every event the run published, in publish order (an event's index in this list is its number).</summary>
    public required IReadOnlyList<PublishedEvent> Events { get; init; }

    /// <summary>Where the log holds each event (one position per event).</summary>
    public required IReadOnlyList<StoredEvent> Stored { get; init; }

    /// <summary>Every handler invocation, in the order they started.</summary>
    public required IReadOnlyList<HandlerAttempt> Handlings { get; init; }

    /// <summary>Every successful write of a lease record or an offset record, in the order they happened.</summary>
    public required IReadOnlyList<OwnershipWrite> Writes { get; init; }

    /// <summary>The group's committed offsets at the end (shown when liveness fails).</summary>
    public IReadOnlyDictionary<int, CommittedOffset> Committed { get; init; } = new Dictionary<int, CommittedOffset>();

    /// <summary>The group's in-flight window (<c>MaxInFlight</c>): how many events one takeover may hand over again.</summary>
    public int MaxInFlight { get; init; }

    /// <summary>When the last fault was healed; null when it never was.</summary>
    public TimeSpan? HealedAt { get; init; }

    /// <summary>When everything was handled and committed; null when it never was.</summary>
    public TimeSpan? SettledAt { get; init; }

    /// <summary>How long after <see cref="HealedAt"/> the run must settle; null: liveness is not checked.</summary>
    public TimeSpan? LivenessBound { get; init; }
}

/// <summary>An event the run published.</summary>
/// <param name="Key">Its key.</param>
/// <param name="Sequence">Its sequence within its key: 0, 1, 2, … in publish order.</param>
/// <param name="Acknowledged">Whether the engine acknowledged it (only acknowledged events can be lost).</param>
public sealed record PublishedEvent(string Key, long Sequence, bool Acknowledged);

/// <summary>Where the log holds a published event.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset.</param>
/// <param name="Event">The event's index in <see cref="GuaranteeRun.Events"/>.</param>
/// <param name="DeadLettered">Whether the group dead-lettered the event at this position.</param>
public sealed record StoredEvent(int Partition, long Offset, int Event, bool DeadLettered);

/// <summary>One handler invocation.</summary>
/// <param name="Member">The member that ran it.</param>
/// <param name="Partition">The event's partition.</param>
/// <param name="Offset">The event's offset.</param>
/// <param name="Epoch">The fencing epoch the member owned the partition under.</param>
/// <param name="Key">The event's key.</param>
/// <param name="Sequence">The event's sequence within its key.</param>
/// <param name="Attempt">1 for the first attempt, more for retries.</param>
/// <param name="Start">When it started.</param>
/// <param name="End">When it ended; null when it never did.</param>
/// <param name="Succeeded">Whether the handler succeeded.</param>
public sealed record HandlerAttempt(string Member, int Partition, long Offset, long Epoch, string Key, long Sequence, int Attempt, TimeSpan Start, TimeSpan? End, bool Succeeded);

/// <summary>A successful write of a partition's lease record or offset record.</summary>
/// <param name="Actor">The member that wrote it.</param>
/// <param name="Partition">The partition.</param>
/// <param name="At">When.</param>
/// <param name="IsLease">A lease record (else the committed-offset record).</param>
/// <param name="Owner">The lease's owner (empty: released); empty for an offset record.</param>
/// <param name="Epoch">The epoch the record carries.</param>
/// <param name="LeaseExpiresAt">When the lease lapses unless renewed; ignored for an offset record.</param>
/// <param name="Offset">The committed offset written; ignored for a lease record.</param>
public sealed record OwnershipWrite(string Actor, int Partition, TimeSpan At, bool IsLease, string Owner, long Epoch, TimeSpan LeaseExpiresAt, long Offset);

/// <summary>What <see cref="GuaranteeChecker.Check(GuaranteeRun)"/> found. Every count but <see cref="Duplicates"/> must be 0.</summary>
public sealed record GuaranteeVerdict
{
    /// <summary>Acknowledged events checked.</summary>
    public int EventsChecked { get; init; }

    /// <summary>Acknowledged events never handled successfully in an accepted epoch nor dead-lettered.</summary>
    public int Lost { get; init; }

    /// <summary>First attempts of a key that did not go up in sequence within one ownership (partition, epoch).</summary>
    public int OrderViolations { get; init; }

    /// <summary>Offset-record writes carrying an epoch older than one the record already held.</summary>
    public int ZombieCommitsAccepted { get; init; }

    /// <summary>Leases taken while the previous holder's was live, and handlings after the handler's member released the lease.</summary>
    public int DoubleOwnership { get; init; }

    /// <summary>Accepted handlings beyond the first, per event.</summary>
    public int Duplicates { get; init; }

    /// <summary>In-flight window × takeovers (acquisitions of a lease its holder had not released).</summary>
    public int DuplicatesAllowed { get; init; }

    /// <summary>Acquisitions of a lease its holder had not released.</summary>
    public int Takeovers { get; init; }

    /// <summary>More duplicates than <see cref="DuplicatesAllowed"/>.</summary>
    public bool DuplicatesOverWindow => Duplicates > DuplicatesAllowed;

    /// <summary>Not everything was handled and committed within the bound after the last fault.</summary>
    public bool LivenessFailed { get; init; }

    /// <summary>The first violations found, one line each.</summary>
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>Violations in all: every count but duplicates, one for duplicates over the window, one for liveness.</summary>
    public int Violations => Lost + OrderViolations + ZombieCommitsAccepted + DoubleOwnership + (DuplicatesOverWindow ? 1 : 0) + (LivenessFailed ? 1 : 0);
}
