using Shoal.Serialization;

namespace Shoal.Processing;

/// <summary>Deserializes an event's payload and calls the typed handler(s) for it.</summary>
internal interface IHandlerInvoker
{
    ValueTask InvokeAsync(in EventEnvelope envelope, int attempt, long epoch, CancellationToken cancellationToken);
}

internal sealed class HandlerInvoker<TEvent>(IEventHandler<TEvent> handler, EventSerializers serializers, string group) : IHandlerInvoker
{
    private string? _lastContentType;
    private IEventSerializer? _lastSerializer;

    public ValueTask InvokeAsync(in EventEnvelope envelope, int attempt, long epoch, CancellationToken cancellationToken)
    {
        var @event = Serializer(envelope.ContentType, envelope.Type).Deserialize<TEvent>(envelope.Payload);
        return handler.HandleAsync(@event, new EventContext(envelope, group, attempt, epoch), cancellationToken);
    }

    private IEventSerializer Serializer(string contentType, string type)
    {
        // Producers write one content type per event type almost always: remember the last one.
        var last = _lastSerializer;
        if (last is not null && ReferenceEquals(contentType, _lastContentType))
        {
            return last;
        }

        if (!serializers.TryGetByContentType(contentType, out var serializer))
        {
            throw new EventSerializationException($"Cannot read event '{type}': {serializers.Unreadable(contentType)}");
        }

        _lastSerializer = serializer;
        _lastContentType = contentType;
        return serializer;
    }
}

/// <summary>Several handlers of one group for the same event type, run one after the other.</summary>
internal sealed class CompositeInvoker(IHandlerInvoker[] invokers) : IHandlerInvoker
{
    public ValueTask InvokeAsync(in EventEnvelope envelope, int attempt, long epoch, CancellationToken cancellationToken) =>
        RunAsync(envelope, attempt, epoch, cancellationToken);

    private async ValueTask RunAsync(EventEnvelope envelope, int attempt, long epoch, CancellationToken cancellationToken)
    {
        foreach (var invoker in invokers)
        {
            await invoker.InvokeAsync(envelope, attempt, epoch, cancellationToken);
        }
    }
}
