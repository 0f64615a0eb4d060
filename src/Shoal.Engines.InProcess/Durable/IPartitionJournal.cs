namespace Shoal.Engines.InProcess;

/// <summary>
/// Where a durable partition writes its events: an append-only log on disk. <see cref="Write"/> is called under the
/// partition's lock, in offset order.
/// </summary>
internal interface IPartitionJournal
{
    /// <summary>The address just past the last written record.</summary>
    long TailAddress { get; }

    /// <summary>Writes one stored event (not yet durable) and returns its record's address.</summary>
    long Write(in EventEnvelope e, long appendTicks);

    /// <summary>Completes once every record below <paramref name="address"/> is on stable storage.</summary>
    ValueTask CommitAsync(long address, CancellationToken cancellationToken);

    /// <summary>Records below <paramref name="address"/> may be discarded (takes effect at the next commit).</summary>
    void TruncateUntil(long address);

    /// <summary>
    /// Reads back <paramref name="count"/> durable records from <paramref name="address"/> (a record's address), all
    /// below <paramref name="until"/>, handing each to <paramref name="each"/> (its payload valid only during the call).
    /// Used for events memory no longer holds. Safe to call without the partition's lock, alongside writes.
    /// </summary>
    void Read(long address, long until, int count, RestoreRecord each);

    /// <summary>
    /// As <see cref="Read"/>, but hands over only each record's offset, append time and payload length (no strings
    /// decoded, no payload copied): what retention and journal truncation need.
    /// </summary>
    void Skim(long address, long until, int count, SkimRecord each);
}
