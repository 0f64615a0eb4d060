namespace Shoal.Partitioning;

/// <summary>Chooses the partition of an event that has no key. Thread-safe.</summary>
internal interface IUnkeyedPartitioner
{
    /// <summary>A partition in <c>[0, partitions)</c>.</summary>
    int NextPartition(int partitions);
}
