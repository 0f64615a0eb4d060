namespace Shoal.Cluster;

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
