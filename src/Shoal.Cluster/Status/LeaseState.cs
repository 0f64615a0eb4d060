namespace Shoal.Cluster;

/// <summary>The state of a partition's lease record (see <see cref="PartitionStatus.Lease"/>).</summary>
public enum LeaseState
{
    /// <summary>No lease record: the partition was never taken.</summary>
    None,

    /// <summary>A member holds the lease and it has not expired.</summary>
    Held,

    /// <summary>Its holder stopped renewing it; the next owner takes it.</summary>
    Expired,

    /// <summary>Its holder handed it over (the record keeps the epoch, with no owner).</summary>
    Released,
}
