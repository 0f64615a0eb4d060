using System.Text.Json;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Serialization;

namespace Shoal.Benchmarks.Peers;

/// <summary>
/// Shoal on the in-process engine (<c>inproc://</c>): one topic of one partition, one group whose
/// <c>MaxConcurrency</c> is the concurrency (keys run concurrently up to it, each key in publish order).
/// One partition keeps the total concurrency equal to MassTransit's limit.
/// </summary>
internal sealed class ShoalPeer : IPeerSystem
{
    private const string Topic = "peers";
    private readonly IShoalEngine _engine;
    private readonly ShoalRuntime _shoal;

    private ShoalPeer(IShoalEngine engine, ShoalRuntime shoal)
    {
        _engine = engine;
        _shoal = shoal;
    }

    public string Name => "Shoal";

    public static async Task<ShoalPeer> StartAsync(PeerRun run, int concurrency)
    {
        var engine = InProcessEngine.Create();
        var options = new ShoalOptions
        {
            Topics = [new TopicOptions { Name = Topic, Partitions = 1 }],
            EventTypes = new EventTypeRegistry().Add<PeerEvent>("peer-event"),
            Serializers = EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = PeerJsonContext.Default }),
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions { Name = "peers", Topic = Topic, MaxConcurrency = concurrency },
                    Handlers = [HandlerRegistration.For<PeerEvent>((e, context, ct) => new ValueTask(run.HandleAsync(e)))],
                },
            ],
        };
        var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();
        return new ShoalPeer(engine, shoal);
    }

    public async Task PublishAsync(PeerEvent e) => await _shoal.Publisher.PublishAsync(Topic, new OutgoingEvent<PeerEvent>(e.Key, e));

    public async Task PublishBatchAsync(IReadOnlyList<PeerEvent> events)
    {
        var batch = new OutgoingEvent<PeerEvent>[events.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new OutgoingEvent<PeerEvent>(events[i].Key, events[i]);
        }

        await _shoal.Publisher.PublishBatchAsync(Topic, batch);
    }

    public async ValueTask DisposeAsync()
    {
        await _shoal.StopAsync();
        await _shoal.DisposeAsync();
        await _engine.DisposeAsync();
    }
}
