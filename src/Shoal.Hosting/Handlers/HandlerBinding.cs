using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Hosting.Handlers;

/// <summary>A handler type added to a group, turned into a <see cref="HandlerRegistration"/> once the container exists.</summary>
internal abstract class HandlerBinding(string group, Type handlerType)
{
    public string Group { get; } = group;

    public Type HandlerType { get; } = handlerType;

    public abstract HandlerRegistration Create(IServiceProvider services, ServiceLifetime lifetime);
}

internal sealed class HandlerBinding<TEvent, THandler>(string group) : HandlerBinding(group, typeof(THandler))
    where THandler : class, IEventHandler<TEvent>
{
    public override HandlerRegistration Create(IServiceProvider services, ServiceLifetime lifetime) =>
        lifetime == ServiceLifetime.Singleton
            ? HandlerRegistration.For<TEvent>(services.GetRequiredService<THandler>())
            : HandlerRegistration.For<TEvent>(new ScopedEventHandler<TEvent, THandler>(services.GetRequiredService<IServiceScopeFactory>()));
}
