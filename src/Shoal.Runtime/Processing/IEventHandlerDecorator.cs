namespace Shoal;

/// <summary>
/// Wraps the handlers of a group, for code that must see every handler call (a test kit recording what was handled,
/// instrumentation): <see cref="HandlerRegistration.Decorate"/> passes each registration's handler through
/// <see cref="Decorate{TEvent}"/>. The wrapper receives the deserialized event and its context and decides when to
/// call the handler; what it throws counts as the handler's failure (retried, then dead-lettered).
/// </summary>
public interface IEventHandlerDecorator
{
    /// <summary>The handler to call instead of <paramref name="handler"/>, usually one that calls it.</summary>
    IEventHandler<TEvent> Decorate<TEvent>(IEventHandler<TEvent> handler);
}
