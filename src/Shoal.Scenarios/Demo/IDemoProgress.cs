namespace Shoal.Scenarios.Demo;

/// <summary>
/// Where a demo run reports how far it got, several times a second from the run's loop: the CLI draws a progress
/// bar or, for a cluster run, the live view of the members and their partitions. Keep the calls short.
/// </summary>
public interface IDemoProgress
{
    /// <summary>Distinct events handled so far.</summary>
    void Handled(long count);

    /// <summary>The members, their partitions and the rates at one moment; cluster runs only.</summary>
    void Cluster(ClusterSnapshot snapshot);
}
