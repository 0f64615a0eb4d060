namespace Shoal.Engine;

/// <summary>A committed offset record and where it is stored (see <see cref="CommittedOffset.ListAsync"/>).</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Group">The group.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Committed">The decoded record.</param>
/// <param name="Entry">The store entry it was decoded from (key and revision, for a compare-and-set).</param>
public readonly record struct StoredCommittedOffset(string Topic, string Group, int Partition, CommittedOffset Committed, KvEntry Entry);
