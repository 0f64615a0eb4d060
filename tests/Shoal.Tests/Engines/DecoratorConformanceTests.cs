using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Scenarios.Demo;
using Shoal.Testing;
using Shoal.Tests.Runtime;

namespace Shoal.Tests.Engines;

/// <summary>
/// The engine conformance suite through the tests' <see cref="ForwardingEngine"/> (and so <see cref="ForwardingStore"/>):
/// every test wrapper built on them behaves as the engine it wraps, except where it overrides on purpose.
/// </summary>
public sealed class ForwardingEngineConformanceTests : EngineConformanceTests
{
    protected override ValueTask<IShoalEngine> CreateEngineAsync() => ValueTask.FromResult<IShoalEngine>(new PassThrough(InProcessEngine.Create()));

    private sealed class PassThrough(IShoalEngine inner) : ForwardingEngine(inner);
}

/// <summary>The engine conformance suite through the demo's <see cref="PausableEngine"/>, not paused: a transparent decorator.</summary>
public sealed class PausableEngineConformanceTests : EngineConformanceTests
{
    protected override ValueTask<IShoalEngine> CreateEngineAsync() => ValueTask.FromResult<IShoalEngine>(new PausableEngine(InProcessEngine.Create()));
}
