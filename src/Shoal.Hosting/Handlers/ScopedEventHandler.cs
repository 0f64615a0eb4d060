using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Hosting.Handlers;

/// <summary>Resolves <typeparamref name="THandler"/> in a new scope for each call, and disposes the scope after it.</summary>
internal sealed class ScopedEventHandler<TEvent, THandler>(IServiceScopeFactory scopes) : IEventHandler<TEvent>
    where THandler : class, IEventHandler<TEvent>
{
    public async ValueTask HandleAsync(TEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope)
        {
            var handler = scope.ServiceProvider.GetRequiredService<THandler>();
            await handler.HandleAsync(@event, context, cancellationToken);
        }
    }
}
