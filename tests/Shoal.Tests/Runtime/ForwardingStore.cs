using Shoal.Engine;

namespace Shoal.Tests.Runtime;

/// <summary>
/// A coordination store that forwards everything to another, for tests that wrap a store alone (engine wrappers build
/// on <see cref="ForwardingEngine"/>); tests override the calls they watch or break.
/// </summary>
internal abstract class ForwardingStore(ICoordinationStore inner) : ICoordinationStore
{
    protected ICoordinationStore InnerStore => inner;

    public virtual ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public virtual ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        inner.TryCreateAsync(key, value, cancellationToken);

    public virtual ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default) =>
        inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

    public virtual ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default) =>
        inner.TryDeleteAsync(key, expectedRevision, cancellationToken);

    public virtual ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public virtual IAsyncEnumerable<KvChange> WatchAsync(string prefix, CancellationToken cancellationToken = default) => inner.WatchAsync(prefix, cancellationToken);
}
