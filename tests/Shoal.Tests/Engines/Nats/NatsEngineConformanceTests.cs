using Shoal.Engine;
using Shoal.Engines.Conformance;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>The engine conformance suite against a real <c>nats-server -js</c>.</summary>
[Collection(NatsServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NatsEngineConformanceTests(NatsServerFixture server) : EngineConformanceTests
{
    private int _maxEventBytes = 1 << 20;

    protected override int MaxEventBytes => _maxEventBytes;

    protected override async ValueTask<IShoalEngine> CreateEngineAsync()
    {
        var engine = await server.ConnectAsync();
        _maxEventBytes = ((NatsShoalEngine)engine).EventLog.MaxEventBytes;
        return engine;
    }
}
