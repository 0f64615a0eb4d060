using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The coordination store in memory. One lock makes it linearizable; one global revision counter (the first
/// write gets revision 1) grows on every create, update and delete. Values are copied on write, so callers
/// may reuse their buffers.
/// </summary>
internal sealed class InProcessCoordinationStore : ICoordinationStore, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KvEntry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<Watcher> _watchers = [];
    private readonly ICoordinationJournal? _journal;
    private long _revision;
    private bool _disposed;

    /// <param name="journal">Where every change is written before it is applied (the durable engine), or null.</param>
    public InProcessCoordinationStore(ICoordinationJournal? journal = null) => _journal = journal;

    public ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            return new(_entries.TryGetValue(key, out var entry) ? entry : null);
        }
    }

    public ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = value.ToArray();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_entries.ContainsKey(key))
            {
                return new((long?)null);
            }

            var revision = Put(key, copy);
            _keys.Add(key);
            return new(revision);
        }
    }

    public ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = value.ToArray();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_entries.TryGetValue(key, out var current) || current.Revision != expectedRevision)
            {
                return new((long?)null);
            }

            return new(Put(key, copy));
        }
    }

    public ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_entries.TryGetValue(key, out var current) || current.Revision != expectedRevision)
            {
                return new(false);
            }

            var revision = _revision + 1;
            _journal?.Delete(key, revision);
            _revision = revision;
            _entries.Remove(key);
            _keys.Remove(key);
            CompactJournalIfDue();
            Publish(new KvChange(KvChangeKind.Delete, key, ReadOnlyMemory<byte>.Empty, revision));
            return new(true);
        }
    }

    public ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            return new(Snapshot(prefix));
        }
    }

    public async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();

        // Unbounded on purpose: coordination traffic is small (membership, leases, commits), and a bounded
        // channel would force the writer, which holds the store's lock, either to block or to drop changes.
        var watcher = new Watcher(prefix, Channel.CreateUnbounded<KvChange>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }));
        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var entry in Snapshot(prefix))
            {
                watcher.Changes.Writer.TryWrite(new KvChange(KvChangeKind.Put, entry.Key, entry.Value, entry.Revision));
            }

            _watchers.Add(watcher);
        }

        try
        {
            var reader = watcher.Changes.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var change))
                {
                    yield return change;
                }
            }

            // The channel is only completed by Dispose.
            throw new ObjectDisposedException(nameof(InProcessCoordinationStore));
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    /// <summary>The entries under <paramref name="prefix"/>, ordered by key; used by retention, without the async wrapper.</summary>
    internal IReadOnlyList<KvEntry> List(string prefix)
    {
        lock (_gate)
        {
            return _disposed ? [] : Snapshot(prefix);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Changes.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    /// <summary>Puts back the entries and the revision counter read from the journal at start-up.</summary>
    internal void Restore(IEnumerable<KvEntry> entries, long revision)
    {
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                _entries[entry.Key] = entry;
                _keys.Add(entry.Key);
            }

            _revision = revision;
        }
    }

    /// <summary>The journal write comes first: if it throws, nothing changes.</summary>
    private long Put(string key, byte[] value)
    {
        var revision = _revision + 1;
        _journal?.Put(key, value, revision);
        _revision = revision;
        _entries[key] = new KvEntry(key, value, revision);
        CompactJournalIfDue();
        Publish(new KvChange(KvChangeKind.Put, key, value, revision));
        return revision;
    }

    private void CompactJournalIfDue()
    {
        if (_journal is { SnapshotDue: true })
        {
            _journal.WriteSnapshot(_entries.Values, _revision);
        }
    }

    private void Publish(KvChange change)
    {
        foreach (var watcher in _watchers)
        {
            if (change.Key.StartsWith(watcher.Prefix, StringComparison.Ordinal))
            {
                watcher.Changes.Writer.TryWrite(change);
            }
        }
    }

    private List<KvEntry> Snapshot(string prefix)
    {
        var result = new List<KvEntry>();
        IEnumerable<string> keys = prefix.Length == 0
            ? _keys
            // Keys hold ASCII characters only, so every key starting with the prefix sorts below prefix + U+FFFF.
            : _keys.GetViewBetween(prefix, prefix + char.MaxValue);
        foreach (var key in keys)
        {
            result.Add(_entries[key]);
        }

        return result;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private sealed class Watcher(string prefix, Channel<KvChange> changes)
    {
        public string Prefix { get; } = prefix;

        public Channel<KvChange> Changes { get; } = changes;
    }
}
