using Shoal.Engine;
using Shoal.Engines.Conformance;
using Shoal.Engines.InProcess;

namespace Shoal.Tests.Engines;

/// <summary>The engine conformance suite against the in-process engine.</summary>
public sealed class InProcessEngineConformanceTests : EngineConformanceTests
{
    protected override ValueTask<IShoalEngine> CreateEngineAsync() => ValueTask.FromResult(InProcessEngine.Create());
}
