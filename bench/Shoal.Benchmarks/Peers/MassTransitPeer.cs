using System.Text;
using MassTransit;

namespace Shoal.Benchmarks.Peers;

/// <summary>
/// MassTransit 8 on its in-memory transport: one receive endpoint, <c>ConcurrentMessageLimit</c> and
/// <c>PrefetchCount</c> set to the concurrency, and <c>UsePartitioner</c> keyed by the event's key with as many
/// partitions as the concurrency (the partitioner runs one message at a time per partition, so more partitions
/// than the concurrency limit could never run, and fewer would cap it below the limit).
/// </summary>
internal sealed class MassTransitPeer : IPeerSystem
{
    private readonly IBusControl _bus;

    private MassTransitPeer(IBusControl bus) => _bus = bus;

    public string Name => "MassTransit";

    public static async Task<MassTransitPeer> StartAsync(PeerRun run, int concurrency)
    {
        var bus = Bus.Factory.CreateUsingInMemory(cfg =>
        {
            cfg.ReceiveEndpoint("peers", e =>
            {
                e.ConcurrentMessageLimit = concurrency;
                e.PrefetchCount = concurrency;
                e.Handler<PeerEvent>(
                    context => run.HandleAsync(context.Message),
                    handler => handler.UsePartitioner(concurrency, context => context.Message.Key, Encoding.UTF8));
            });
        });
        await bus.StartAsync();
        return new MassTransitPeer(bus);
    }

    public Task PublishAsync(PeerEvent e) => _bus.Publish(e);

    // MassTransit's batch publish starts one Publish per message, in order, and awaits them all.
    public Task PublishBatchAsync(IReadOnlyList<PeerEvent> events) => _bus.PublishBatch(events);

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
