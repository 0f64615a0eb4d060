using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoal.Hosting;
using Xunit;

namespace Shoal.Tests.Hosting;

public sealed record OrderPlaced(string Key, int Sequence);

public sealed record NotRegistered(string Key);

/// <summary>Shared between the test and the handlers it registers.</summary>
internal sealed class Probe
{
    private readonly ConcurrentQueue<(OrderPlaced Event, Guid Scope)> _handled = new();
    private int _constructed;

    public IReadOnlyCollection<(OrderPlaced Event, Guid Scope)> Handled => _handled;

    public int Constructed => Volatile.Read(ref _constructed);

    public ConcurrentDictionary<Guid, bool> ScopesDisposed { get; } = new();

    public void Record(OrderPlaced e, Guid scope) => _handled.Enqueue((e, scope));

    public void CountConstruction() => Interlocked.Increment(ref _constructed);
}

/// <summary>A scoped dependency: one per DI scope, marked disposed when its scope ends.</summary>
internal sealed class ScopeMarker : IDisposable
{
    private readonly Probe _probe;

    public ScopeMarker(Probe probe)
    {
        _probe = probe;
        _probe.ScopesDisposed[Id] = false;
    }

    public Guid Id { get; } = Guid.NewGuid();

    public void Dispose() => _probe.ScopesDisposed[Id] = true;
}

internal sealed class RecordingHandler : IEventHandler<OrderPlaced>
{
    private readonly Probe _probe;
    private readonly ScopeMarker _scope;

    public RecordingHandler(Probe probe, ScopeMarker scope)
    {
        _probe = probe;
        _scope = scope;
        probe.CountConstruction();
    }

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        _probe.Record(@event, _scope.Id);
        return ValueTask.CompletedTask;
    }
}

internal sealed class SingletonHandler : IEventHandler<OrderPlaced>
{
    private readonly Probe _probe;

    public SingletonHandler(Probe probe)
    {
        _probe = probe;
        probe.CountConstruction();
    }

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        _probe.Record(@event, Guid.Empty);
        return ValueTask.CompletedTask;
    }
}

internal sealed class NotRegisteredHandler : IEventHandler<NotRegistered>
{
    public ValueTask HandleAsync(NotRegistered @event, EventContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>A hosted service that takes the publisher in its constructor, as users' producers do.</summary>
internal sealed class PublisherUser(IEventPublisher publisher) : IHostedService
{
    public IEventPublisher Publisher { get; } = publisher;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>One captured log entry: its event id, formatted message, level, exception and logger category.</summary>
internal sealed record CapturedLog(int EventId, string Message, LogLevel Level, Exception? Exception, string Category);

/// <summary>Records log entries from every logger, at every level (Trace and up).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    /// <summary>A logger factory that sends everything, Trace and up, to this provider only.</summary>
    public ILoggerFactory Factory() => LoggerFactory.Create(builder => builder.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new CapturedLog(eventId.Id, formatter(state, exception), logLevel, exception, category));
    }
}

internal static class TestHosts
{
    /// <summary>A real generic host with <c>AddShoal</c> (in-process engine) and a <see cref="Probe"/>.</summary>
    public static IHost Build(Action<ShoalBuilder> shoal, Action<IServiceCollection>? services = null, CapturingLoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddSingleton<Probe>();
        builder.Services.AddScoped<ScopeMarker>();
        builder.Services.AddShoal(shoal);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    public static async Task DisposeAsync(IHost host)
    {
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    public static void AssertNamesField(ShoalConfigurationException ex, string field)
    {
        Assert.Equal(field, ex.Field);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }
}
