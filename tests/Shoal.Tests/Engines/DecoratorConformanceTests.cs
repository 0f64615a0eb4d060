using Shoal.Engine;
using Shoal.Engines.Conformance;
using Shoal.Engines.InProcess;
using Shoal.Scenarios.Demo;

namespace Shoal.Tests.Engines;

/// <summary>
/// The engine conformance suite through a pass-through <see cref="ForwardingEngine"/>: every decorator built on it (the
/// simulation's, the demo's, the tests' wrappers) behaves as the engine it wraps, except where it overrides on purpose.
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
