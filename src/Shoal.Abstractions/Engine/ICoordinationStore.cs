namespace Shoal.Engine;

/// <summary>
/// A small linearizable key/value store with revisions. Membership, partition leases, fencing epochs and
/// committed offsets are all records in it. Every write returns the entry's new revision; revisions only
/// grow. Expected outcomes (key exists, stale revision) are results, not exceptions.
/// </summary>
/// <remarks>
/// Keys are made of the characters <c>A–Z a–z 0–9 - _ . / =</c> and are built with <see cref="CoordinationKeys"/>;
/// prefixes passed to <see cref="ListAsync"/> and <see cref="WatchAsync"/> end with <c>/</c>.
/// </remarks>
public interface ICoordinationStore
{
    /// <summary>The entry, or null when the key does not exist.</summary>
    ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates the key if it does not exist; returns the new revision, or null if the key exists.</summary>
    ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-set: writes the value only if the key's current revision is <paramref name="expectedRevision"/>;
    /// returns the new revision, or null if the key is missing or its revision differs.
    /// </summary>
    ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Deletes the key only if its current revision is <paramref name="expectedRevision"/>; false otherwise.</summary>
    ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Every entry whose key starts with <paramref name="prefix"/>, ordered by key.</summary>
    ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// The current entries under <paramref name="prefix"/> (as <see cref="KvChangeKind.Put"/>), then every later
    /// change, in revision order, until cancelled.
    /// </summary>
    IAsyncEnumerable<KvChange> WatchAsync(string prefix, CancellationToken cancellationToken = default);
}
