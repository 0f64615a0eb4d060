using Microsoft.Extensions.DependencyInjection;
using Shoal.Engine;

namespace Shoal.Server.Ingest;

/// <summary>
/// The publisher HTTP and UDP ingest publish through: the application's <see cref="IEventPublisher"/> when it has one
/// (Shoal.Hosting's <c>AddShoal</c> registers its node's), else one of the server's own on <see cref="IShoalEngine"/>,
/// disposed with the server.
/// </summary>
internal sealed class ServerPublisher : IAsyncDisposable
{
    private readonly ShoalRuntime? _own;

    public ServerPublisher(IServiceProvider services, IShoalEngine engine, ShoalServerOptions options)
    {
        if (services.GetService<IEventPublisher>() is { } application)
        {
            Publisher = application;
        }
        else
        {
            _own = ShoalRuntime.Create(engine, new ShoalOptions { TimeProvider = options.TimeProvider });
            Publisher = _own.Publisher;
        }
    }

    public IEventPublisher Publisher { get; }

    public ValueTask DisposeAsync() => _own?.DisposeAsync() ?? ValueTask.CompletedTask;
}
