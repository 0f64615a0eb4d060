using Shoal.Engine;

namespace Shoal.Hosting;

/// <summary>
/// The engine of <see cref="ShoalBuilder.UseEngine(string)"/> or an async engine factory: the container hands this out
/// at once (so <see cref="ShoalRuntime"/> and <see cref="IEventPublisher"/> can be injected anywhere), and the hosted
/// service opens the real engine when the host starts; used before that, it says so. Disposing it disposes the engine.
/// </summary>
internal sealed class DeferredEngine(Func<IServiceProvider, CancellationToken, ValueTask<IShoalEngine>> open, IServiceProvider services) : IShoalEngine
{
    private readonly SemaphoreSlim _opening = new(1, 1);
    private IShoalEngine? _engine;
    private bool _disposed;

    public string Name => Volatile.Read(ref _engine)?.Name ?? "(an engine opened when the host starts)";

    public IEventLog Log => Opened.Log;

    public ICoordinationStore Coordination => Opened.Coordination;

    private IShoalEngine Opened => Volatile.Read(ref _engine)
        ?? throw new ShoalException("The engine (UseEngine with a URI or an async factory) is opened when the host starts: publish and read after host.StartAsync.");

    /// <summary>Opens the engine, once; a second start of the host keeps the first engine.</summary>
    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        await _opening.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_engine is null)
            {
                var engine = await open(services, cancellationToken)
                    ?? throw new ShoalConfigurationException("ShoalBuilder.UseEngine", "the engine factory returned null.");
                Volatile.Write(ref _engine, engine);
            }
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _opening.WaitAsync();
        try
        {
            _disposed = true;
            if (Interlocked.Exchange(ref _engine, null) is { } engine)
            {
                await engine.DisposeAsync();
            }
        }
        finally
        {
            _opening.Release();
        }
    }
}
