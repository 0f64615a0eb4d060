using Shoal.Engine;
using Shoal.Engines.Conformance;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>The engine conformance suite against the durable engine (flush before acknowledging), each test in a new data directory.</summary>
public sealed class FileEngineConformanceTests : EngineConformanceTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override int MaxEventBytes => 64 * 1024;

    protected override async ValueTask<IShoalEngine> CreateEngineAsync() =>
        await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path, MaxEventBytes = MaxEventBytes });

    public void Dispose() => _directory.Dispose();
}

/// <summary>A new empty directory under the system's temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shoal-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
