using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Runtime;

public sealed class EndToEndTests
{
    [Fact]
    public async Task Every_event_is_handled_once_in_per_key_order_and_the_watermark_is_committed()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var random = new Random(7);
        var group = new GroupOptions { Name = "g", Topic = "orders", MaxConcurrency = 16 };
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            // Mix synchronous and asynchronous completions so both dispatcher paths run.
            if ((e.Sequence + e.Key.Length) % 3 == 0)
            {
                await Task.Yield();
            }

            recorder.Record(e);
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options("orders", 4, group, handler));
        await shoal.StartAsync();

        const int keys = 50;
        const int perKey = 200;
        var batch = new List<OutgoingEvent<Numbered>>();
        for (var s = 0; s < perKey; s++)
        {
            for (var k = 0; k < keys; k++)
            {
                batch.Add(new OutgoingEvent<Numbered>($"key-{k}", new Numbered($"key-{k}", s)));
            }
        }

        _ = random;
        await shoal.Publisher.PublishBatchAsync("orders", batch);
        await Wait.UntilAsync(() => recorder.Count >= keys * perKey, "all events handled");
        await shoal.StopAsync();

        Assert.Equal(keys * perKey, recorder.Count);
        for (var k = 0; k < keys; k++)
        {
            Assert.Equal(Enumerable.Range(0, perKey), recorder.Of($"key-{k}"));
        }

        for (var p = 0; p < 4; p++)
        {
            var offsets = await engine.Log.GetOffsetsAsync("orders", p);
            var committed = await engine.Coordination.GetAsync(CoordinationKeys.Offset("orders", "g", p));
            Assert.True(CommittedOffset.TryDecode(committed!.Value.Value.Span, out var c));
            Assert.Equal(offsets.End, c.Offset);
        }
    }
}
