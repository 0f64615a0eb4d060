namespace Shoal.Cluster;

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
