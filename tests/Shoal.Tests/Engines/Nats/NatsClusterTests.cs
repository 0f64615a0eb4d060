using System.Text;
using System.Text.Json;
using NATS.Client.JetStream;
using Shoal.Cli;
using Shoal.Engine;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary><c>shoal dev-cluster --servers 3</c> forms a JetStream cluster, an R3 topic works through the engine, and stopping the verb stops the servers.</summary>
public sealed class NatsClusterTests
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Dev_cluster_of_three_servers_serves_an_R3_topic_and_stops_its_servers()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var output = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        var verb = ShoalCli.InvokeAsync(["dev-cluster", "--servers", "3", "--json"], output: synchronizedOutput, error: TextWriter.Null, cancellationToken: stop.Token);

        string? line = null;
        await Shoal.Tests.Runtime.Wait.UntilAsync(() =>
        {
            Assert.False(verb.IsCompleted, "dev-cluster ended early: " + output);
            lock (synchronizedOutput)
            {
                line = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => l.StartsWith('{'));
            }

            return line is not null;
        }, "the cluster's JSON line", 60);

        using var info = JsonDocument.Parse(line!);
        var urls = info.RootElement.GetProperty("urls").EnumerateArray().Select(u => u.GetString()!).ToArray();
        var pids = info.RootElement.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()).ToArray();
        Assert.Equal(3, urls.Length);
        Assert.All(pids, pid => Assert.False(System.Diagnostics.Process.GetProcessById(pid).HasExited));

        await using (var opened = await ShoalEngines.OpenAsync(info.RootElement.GetProperty("engine").GetString()!, cancellationToken: deadline.Token))
        {
            var engine = opened;
            var topic = $"r3-{Guid.NewGuid():N}";
            var created = await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 2 }, deadline.Token);
            Assert.Equal(3, created.Options.Replicas);

            var results = new AppendedEvent[2];
            await engine.Log.AppendAsync(topic, 1, new[]
            {
                new EventEnvelope("a", topic, "k", "t", Encoding.UTF8.GetBytes("one")) { Deduplicate = true },
                new EventEnvelope("b", topic, "k", "t", Encoding.UTF8.GetBytes("two")) { Deduplicate = true },
            }, results, deadline.Token);
            Assert.Equal([new AppendedEvent(0, false), new AppendedEvent(1, false)], results);

            var buffer = new EventEnvelope[2];
            var read = await engine.Log.ReadAsync(topic, 1, 1, buffer, deadline.Token);
            Assert.Equal((1, 1L, "two"), (read, buffer[0].Offset, Encoding.UTF8.GetString(buffer[0].Payload.Span)));

            // The stream really has three replicas: a leader and two followers.
            var js = new NatsJSContext(((NatsShoalEngine)engine).Connection);
            var stream = await js.GetStreamAsync("SHOAL_" + topic + "_1", cancellationToken: deadline.Token);
            Assert.Equal(3, stream.Info.Config.NumReplicas);
            Assert.Equal(2, stream.Info.Cluster!.Replicas!.Count);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await verb);
        Assert.All(pids, pid => Assert.True(HasExited(pid), $"nats-server {pid} still runs"));
    }

    private static bool HasExited(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
