using System.IO.Hashing;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// A producer that knows only docs/wire-format.md (no Shoal code on the producing side: the raw NATS.Net JetStream
/// client, the documented subject, headers and partition hash) publishes, and a Shoal runtime on the NATS engine
/// handles every event in per-key order.
/// </summary>
[Collection(NatsServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NatsWireFormatTests(NatsServerFixture server)
{
    [Fact]
    public async Task Events_published_by_a_raw_nats_client_per_the_document_are_handled_by_shoal()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        const int partitions = 3, keys = 5, perKey = 20;
        var topic = $"wire.{Guid.NewGuid():N}"[..20] + ".v1";
        await using var engine = await server.ConnectAsync();
        var recorder = new Recorder();
        var group = new GroupOptions { Name = "g", Topic = topic };
        var handler = HandlerRegistration.For<Numbered>((e, _, _) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(topic, partitions, group, handler));
        await shoal.StartAsync(deadline.Token);

        // --- the foreign producer: only what docs/wire-format.md says ---
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url, HeaderEncoding = Encoding.UTF8 });
        var js = new NatsJSContext(nats);
        for (var s = 0; s < perKey; s++)
        {
            for (var k = 0; k < keys; k++)
            {
                var key = $"customer-{k}";
                var partition = (int)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key)) % partitions);
                var subject = $"shoal.{topic.Replace('.', '~')}.{partition}";
                var headers = new NatsHeaders
                {
                    ["Shoal-Id"] = $"foreign-{k}-{s}",
                    ["Shoal-Type"] = "numbered",
                    ["Shoal-Key"] = key,
                    ["Content-Type"] = "application/json",
                    ["Nats-Msg-Id"] = $"foreign-{k}-{s}",
                };
                var payload = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":{{s}}}""");
                var ack = await js.PublishAsync(subject, payload, headers: headers, cancellationToken: deadline.Token);
                ack.EnsureSuccess();
            }
        }

        await Wait.UntilAsync(() => recorder.Count >= keys * perKey, "every foreign event handled", 30);
        await shoal.StopAsync(deadline.Token);

        Assert.Equal(keys * perKey, recorder.Count);
        for (var k = 0; k < keys; k++)
        {
            Assert.Equal(Enumerable.Range(0, perKey), recorder.Of($"customer-{k}"));
        }
    }
}
