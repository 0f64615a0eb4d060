using System.Net;
using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

public sealed class HealthTests
{
    [Fact]
    public async Task Ready_fails_when_the_engine_does_not_answer_while_live_stays_up()
    {
        var inner = Runtimes.Engine();
        await using var engine = new SwitchableEngine(inner);
        await using var host = await ServerHost.StartAsync(engine);

        using (var ready = await host.SendAsync(HttpMethod.Get, "/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy", (await ServerHost.ReadJsonAsync(ready)).GetProperty("checks").GetProperty("shoal-engine").GetProperty("status").GetString());
        }

        engine.Down = true;
        using var notReady = await host.SendAsync(HttpMethod.Get, "/health/ready");
        using var live = await host.SendAsync(HttpMethod.Get, "/health/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        var engineCheck = (await ServerHost.ReadJsonAsync(notReady)).GetProperty("checks").GetProperty("shoal-engine");
        Assert.Equal("Unhealthy", engineCheck.GetProperty("status").GetString());
        Assert.Contains("unreachable (test)", engineCheck.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    private sealed class SwitchableEngine(IShoalEngine inner) : ForwardingEngine(inner)
    {
        public volatile bool Down;

        public override ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
            Down ? ValueTask.FromException<IReadOnlyList<TopicDescription>>(new EngineException("unreachable (test)")) : base.ListTopicsAsync(cancellationToken);
    }
}
