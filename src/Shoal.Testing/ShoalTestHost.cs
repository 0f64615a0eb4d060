using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shoal.Engine;
using Shoal.Hosting;
using Shoal.Serialization;

namespace Shoal.Testing;

/// <summary>
/// A Shoal node for application tests, in memory: the real runtime on the in-process engine, configured with the
/// same <see cref="ShoalBuilder"/> as <c>services.AddShoal(...)</c> and started in a generic host of its own.
/// Publish, <see cref="WaitForIdleAsync"/>, then look at what was <see cref="Handled(string)"/>, dead-lettered
/// (<see cref="GetDeadLettersAsync"/>) and parked (<see cref="GetParkedKeysAsync"/>). Needs no test framework.
/// </summary>
/// <example>
/// <code>
/// await using var shoal = await ShoalTestHost.StartAsync(b => b
///     .AddTopic("orders", partitions: 4)
///     .AddEventType&lt;OrderPlaced&gt;()
///     .AddGroup(new GroupOptions { Name = "billing", Topic = "orders" })
///     .AddHandler&lt;OrderPlaced, OrderPlacedHandler&gt;("billing"));
/// await shoal.PublishAsync("orders", "customer-1", new OrderPlaced("o-1", "customer-1", 10m));
/// await shoal.WaitForIdleAsync();
/// var billed = shoal.Handled&lt;OrderPlaced&gt;("billing");
/// </code>
/// </example>
public sealed partial class ShoalTestHost : IAsyncDisposable
{
    private static readonly MethodInfo DeserializeMethod = typeof(IEventSerializer).GetMethod(nameof(IEventSerializer.Deserialize))!;
    private readonly IHost _host;
    private readonly HandlerRecorder _recorder;
    private readonly ShoalTestOptions _options;
    private int _disposed;

    private ShoalTestHost(IHost host, HandlerRecorder recorder, ShoalTestOptions options)
    {
        _host = host;
        _recorder = recorder;
        _options = options;
        Runtime = host.Services.GetRequiredService<ShoalRuntime>();
    }

    /// <summary>The host's services: the node's, Shoal's and those <c>configure</c> registered on <see cref="ShoalBuilder.Services"/>.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The node's runtime (progress, <see cref="ShoalRuntime.ReleaseParkedKeyAsync"/>, ...).</summary>
    public ShoalRuntime Runtime { get; }

    /// <summary>The publisher, as the application would inject it.</summary>
    public IEventPublisher Publisher => Runtime.Publisher;

    /// <summary>The in-memory engine (or the one <c>configure</c> chose).</summary>
    public IShoalEngine Engine => Runtime.Engine;

    /// <summary>Starts a node configured by <paramref name="configure"/> with <see cref="ShoalTestOptions.Default"/>.</summary>
    public static Task<ShoalTestHost> StartAsync(Action<ShoalBuilder> configure, CancellationToken cancellationToken = default) =>
        StartAsync(configure, ShoalTestOptions.Default, cancellationToken);

    /// <summary>
    /// Starts a node configured by <paramref name="configure"/> (the builder of <c>AddShoal</c>: topics, event types,
    /// groups, handlers; register the handlers' dependencies on <see cref="ShoalBuilder.Services"/>). The engine is a
    /// new in-process one unless <paramref name="configure"/> chooses another. Configuration errors throw
    /// <see cref="ShoalConfigurationException"/> naming the field, as <c>host.StartAsync</c> does.
    /// </summary>
    public static async Task<ShoalTestHost> StartAsync(Action<ShoalBuilder> configure, ShoalTestOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.StopTimeout);
        if (options.TimeProvider is { } time)
        {
            builder.Services.AddSingleton(time);
        }

        var recorder = new HandlerRecorder(options.RedeliverEveryEventOnce);
        builder.Services.AddShoal(configure).Configure(o =>
        {
            // Last, so every handler the test configured is recorded; one serializer set shared with the recorder.
            recorder.Serializers = o.Serializers ?? EventSerializers.CreateDefault();
            return o with
            {
                Serializers = recorder.Serializers,
                Groups = [.. o.Groups.Select(g => g with { Handlers = [.. g.Handlers.Select(h => h.Decorate(recorder))] })],
            };
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            await DisposeHostAsync(host);
            throw;
        }

        return new ShoalTestHost(host, recorder, options);
    }

    /// <summary>Publishes <paramref name="event"/> with <paramref name="key"/> (null: unkeyed) to <paramref name="topic"/>.</summary>
    public ValueTask<PublishResult> PublishAsync<TEvent>(string topic, string? key, TEvent @event, CancellationToken cancellationToken = default) =>
        Publisher.PublishAsync(topic, key, @event, cancellationToken);

    /// <summary>
    /// Every handler call of <paramref name="group"/> that succeeded so far, in the order they finished (one per
    /// handler and event; two with <see cref="ShoalTestOptions.RedeliverEveryEventOnce"/>).
    /// </summary>
    public IReadOnlyList<HandledEvent> Handled(string group)
    {
        CheckGroup(group);
        return _recorder.Handled(group);
    }

    /// <summary>The events of type <typeparamref name="TEvent"/> <paramref name="group"/>'s handlers handled, as <see cref="Handled(string)"/>.</summary>
    public IReadOnlyList<TEvent> Handled<TEvent>(string group) => [.. Handled(group).Select(h => h.Event).OfType<TEvent>()];

    /// <summary>The events in <paramref name="group"/>'s dead-letter topic, per partition in offset order.</summary>
    public async ValueTask<IReadOnlyList<DeadLetteredEvent>> GetDeadLettersAsync(string group, CancellationToken cancellationToken = default)
    {
        var options = CheckGroup(group);
        var dead = new List<DeadLetteredEvent>();
        foreach (var envelope in await ReadAllAsync(options.DeadLetterTopic, cancellationToken))
        {
            var headers = envelope.Headers ?? new Dictionary<string, string>();
            dead.Add(new DeadLetteredEvent
            {
                Group = group,
                Id = envelope.Id,
                Key = envelope.Key,
                Type = envelope.Type,
                Event = TryDeserialize(envelope),
                Payload = envelope.Payload,
                Reason = headers.GetValueOrDefault(ShoalHeaders.DeadLetterReason, ""),
                Error = headers.GetValueOrDefault(ShoalHeaders.ErrorMessage),
                Attempts = int.TryParse(headers.GetValueOrDefault(ShoalHeaders.Attempts), out var attempts) ? attempts : 0,
                Partition = int.TryParse(headers.GetValueOrDefault(ShoalHeaders.OriginalPartition), out var partition) ? partition : -1,
                Offset = long.TryParse(headers.GetValueOrDefault(ShoalHeaders.OriginalOffset), out var offset) ? offset : -1,
                Headers = headers,
            });
        }

        return dead;
    }

    /// <summary>The keys <paramref name="group"/> has parked now, by partition and key (<see cref="ShoalRuntime.GetParkedKeysAsync"/>).</summary>
    public ValueTask<IReadOnlyList<ParkedKey>> GetParkedKeysAsync(string group, CancellationToken cancellationToken = default)
    {
        CheckGroup(group);
        return Runtime.GetParkedKeysAsync(group, cancellationToken);
    }

    /// <summary>
    /// Stops the node as a host stop does (stop starting events, wait for the running handler calls, commit), but
    /// cancels handler calls still running after <see cref="ShoalTestOptions.StopTimeout"/>; then disposes everything.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var stop = new CancellationTokenSource(_options.StopTimeout);
            await _host.StopAsync(stop.Token);
        }
        finally
        {
            await DisposeHostAsync(_host);
        }
    }

    private static async ValueTask DisposeHostAsync(IHost host)
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

    private GroupOptions CheckGroup(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Runtime.Options.Groups.FirstOrDefault(g => g.Options.Name == group)?.Options
            ?? throw new ShoalConfigurationException(nameof(group),
                $"this node runs no group named '{group}'; its groups: {string.Join(", ", Runtime.Options.Groups.Select(g => $"'{g.Options.Name}'"))}.");
    }

    private async ValueTask<List<EventEnvelope>> ReadAllAsync(string topic, CancellationToken cancellationToken)
    {
        var events = new List<EventEnvelope>();
        if (await Engine.Log.DescribeTopicAsync(topic, cancellationToken) is not { } description)
        {
            return events;
        }

        var buffer = new EventEnvelope[256];
        for (var partition = 0; partition < description.Partitions; partition++)
        {
            var offsets = await Engine.Log.GetOffsetsAsync(topic, partition, cancellationToken);
            for (var next = offsets.Start; next < offsets.End;)
            {
                var read = await Engine.Log.ReadAsync(topic, partition, next, buffer, cancellationToken);
                for (var i = 0; i < read && buffer[i].Offset < offsets.End; i++)
                {
                    events.Add(buffer[i]);
                }

                next = buffer[read - 1].Offset + 1;
            }
        }

        return events;
    }

    private object? TryDeserialize(EventEnvelope envelope)
    {
        if (!Runtime.Options.EventTypes.TryGetByName(envelope.Type, out var type)
            || !_recorder.Serializers.TryGetByContentType(envelope.ContentType, out var serializer))
        {
            return null;
        }

        try
        {
            return DeserializeMethod.MakeGenericMethod(type.ClrType).Invoke(serializer, [envelope.Payload]);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }
}
