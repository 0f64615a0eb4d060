using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Testing;

namespace Shoal.Tests.Engines;

/// <summary>The engine conformance suite against the in-process engine.</summary>
public sealed class InProcessEngineConformanceTests : EngineConformanceTests
{
    protected override ValueTask<IShoalEngine> CreateEngineAsync() => ValueTask.FromResult(InProcessEngine.Create());
}
