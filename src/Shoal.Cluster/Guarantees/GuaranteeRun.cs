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
