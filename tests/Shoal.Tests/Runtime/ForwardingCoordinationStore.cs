using System.Runtime.CompilerServices;
using Shoal.Engine;

namespace Shoal.Tests.Runtime;

/// <summary>
/// A coordination store that forwards everything to another, calling <see cref="BeforeAsync"/> first on every
/// operation (and before each change a watch yields); tests override it to watch, delay or break calls.
/// </summary>
internal class ForwardingCoordinationStore(ICoordinationStore inner) : ICoordinationStore
{
    protected ICoordinationStore Inner => inner;

    /// <summary>Runs before each call is forwarded: <paramref name="operation"/> is the method name without "Async".</summary>
    protected virtual ValueTask BeforeAsync(string operation, string key, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await BeforeAsync("Get", key, cancellationToken);
        return await inner.GetAsync(key, cancellationToken);
    }

    public async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        await BeforeAsync("TryCreate", key, cancellationToken);
        return await inner.TryCreateAsync(key, value, cancellationToken);
    }

    public async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await BeforeAsync("TryUpdate", key, cancellationToken);
        return await inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
    }

    public async ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await BeforeAsync("TryDelete", key, cancellationToken);
        return await inner.TryDeleteAsync(key, expectedRevision, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await BeforeAsync("List", prefix, cancellationToken);
        return await inner.ListAsync(prefix, cancellationToken);
    }

    public async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in inner.WatchAsync(prefix, cancellationToken))
        {
            await BeforeAsync("Watch", change.Key, cancellationToken);
            yield return change;
        }
    }
}
