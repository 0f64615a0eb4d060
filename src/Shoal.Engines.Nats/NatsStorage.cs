namespace Shoal.Engines.Nats;

/// <summary>Where a topic's streams keep their data.</summary>
public enum NatsStorage
{
    /// <summary>On disk (JetStream file storage); survives server restarts. The default.</summary>
    File,

    /// <summary>In the servers' memory; faster, lost when a server restarts (replicas keep copies on the others).</summary>
    Memory,
}
