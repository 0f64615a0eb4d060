namespace Shoal.Benchmarks.Peers;

/// <summary>
/// One system under comparison, started for one run. Events are handled by <see cref="PeerRun.HandleAsync"/> with
/// the same concurrency on both sides, and published either one at a time (each publish awaited before the next)
/// or in batches through the system's own batch call.
/// </summary>
internal interface IPeerSystem : IAsyncDisposable
{
    string Name { get; }

    Task PublishAsync(PeerEvent e);

    Task PublishBatchAsync(IReadOnlyList<PeerEvent> events);
}
