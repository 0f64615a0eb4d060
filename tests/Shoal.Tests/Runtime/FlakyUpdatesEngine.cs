using Shoal.Engine;

namespace Shoal.Tests.Runtime;

/// <summary>
/// An engine whose coordination store fails the next N updates of keys under <paramref name="prefix"/> with an
/// <see cref="EngineException"/> (the store unreachable); everything else is forwarded. Committed offsets
/// (<see cref="CoordinationKeys.OffsetsRoot"/>) for a stop's last commit, leases (<see cref="CoordinationKeys.LeasesRoot"/>) for a release.
/// </summary>
internal sealed class FlakyUpdatesEngine(IShoalEngine inner, string prefix) : ForwardingEngine(inner)
{
    private int _failures;
    private int _failed;

    /// <summary>How many updates were failed so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Fails the next <paramref name="count"/> updates under the prefix (<see cref="int.MaxValue"/>: all of them).</summary>
    public void FailNextUpdates(int count) => Volatile.Write(ref _failures, count);

    public override ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        if (key.StartsWith(prefix, StringComparison.Ordinal) && Interlocked.Decrement(ref _failures) >= 0)
        {
            Interlocked.Increment(ref _failed);
            throw new EngineException("the coordination store is unreachable (injected)");
        }

        return Inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
    }
}
