using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// Where the durable engine's coordination store writes its changes: each call returns once the change is on stable
/// storage, or throws (and the store then leaves its state unchanged). Called under the store's lock.
/// </summary>
internal interface ICoordinationJournal
{
    /// <summary>True when the journal has grown enough that a snapshot should replace it.</summary>
    bool SnapshotDue { get; }

    void Put(string key, ReadOnlySpan<byte> value, long revision);

    void Delete(string key, long revision);

    /// <summary>Replaces snapshot and journal with one snapshot of <paramref name="entries"/>, atomically.</summary>
    void WriteSnapshot(IEnumerable<KvEntry> entries, long revision);
}
