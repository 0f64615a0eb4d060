using Shoal.Serialization;

namespace Shoal;

/// <summary>A handler for one event type, added to a group. Create with <see cref="For{TEvent}(IEventHandler{TEvent})"/>.</summary>
public abstract class HandlerRegistration
{
    private protected HandlerRegistration(Type eventType) => EventType = eventType;

    /// <summary>The CLR event type handled.</summary>
    public Type EventType { get; }

    /// <summary>Registers <paramref name="handler"/> for events of type <typeparamref name="TEvent"/>.</summary>
    public static HandlerRegistration For<TEvent>(IEventHandler<TEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new HandlerRegistration<TEvent>(handler);
    }

    /// <summary>Registers a delegate for events of type <typeparamref name="TEvent"/>.</summary>
    public static HandlerRegistration For<TEvent>(Func<TEvent, EventContext, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new HandlerRegistration<TEvent>(new DelegateHandler<TEvent>(handler));
    }

    /// <summary>
    /// This registration with its handler replaced by what <paramref name="decorator"/> makes of it (the event type is
    /// unchanged). Use it on <see cref="GroupRegistration.Handlers"/>, e.g. in hosting's <c>Configure</c>.
    /// </summary>
    public abstract HandlerRegistration Decorate(IEventHandlerDecorator decorator);

    internal abstract Processing.IHandlerInvoker CreateInvoker(EventSerializers serializers, string group);

    private sealed class DelegateHandler<TEvent>(Func<TEvent, EventContext, CancellationToken, ValueTask> handler) : IEventHandler<TEvent>
    {
        public ValueTask HandleAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
            handler(@event, context, cancellationToken);
    }
}

internal sealed class HandlerRegistration<TEvent>(IEventHandler<TEvent> handler) : HandlerRegistration(typeof(TEvent))
{
    public override HandlerRegistration Decorate(IEventHandlerDecorator decorator)
    {
        ArgumentNullException.ThrowIfNull(decorator);
        return new HandlerRegistration<TEvent>(decorator.Decorate(handler)
            ?? throw new ShoalConfigurationException("IEventHandlerDecorator.Decorate", $"returned null for the handler of {typeof(TEvent).Name}."));
    }

    internal override Processing.IHandlerInvoker CreateInvoker(EventSerializers serializers, string group) =>
        new Processing.HandlerInvoker<TEvent>(handler, serializers, group);
}
