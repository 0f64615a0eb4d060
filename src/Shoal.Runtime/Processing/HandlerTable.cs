using System.Collections.Frozen;
using Shoal.Serialization;

namespace Shoal.Processing;

/// <summary>What a group does with an event type.</summary>
internal enum HandlerLookup
{
    Found,
    UnknownType,
    NoHandler,
}

/// <summary>One group's handlers by registered event-type name.</summary>
internal sealed class HandlerTable
{
    private readonly FrozenDictionary<string, IHandlerInvoker> _byName;
    private readonly EventTypeRegistry _types;

    public HandlerTable(IReadOnlyList<HandlerRegistration> handlers, EventTypeRegistry types, EventSerializers serializers, string group)
    {
        _types = types;
        var byName = new Dictionary<string, List<IHandlerInvoker>>(StringComparer.Ordinal);
        foreach (var registration in handlers)
        {
            if (!types.TryGet(registration.EventType, out var info))
            {
                throw new ShoalConfigurationException("GroupRegistration.Handlers",
                    $"group '{group}' handles '{registration.EventType.Name}', which is not a registered event type; register it in ShoalOptions.EventTypes.");
            }

            if (!byName.TryGetValue(info.Name, out var list))
            {
                byName[info.Name] = list = [];
            }

            list.Add(registration.CreateInvoker(serializers, group));
        }

        _byName = byName.ToFrozenDictionary(
            pair => pair.Key,
            pair => pair.Value.Count == 1 ? pair.Value[0] : new CompositeInvoker([.. pair.Value]),
            StringComparer.Ordinal);
    }

    public HandlerLookup Find(string typeName, out IHandlerInvoker? invoker)
    {
        if (_byName.TryGetValue(typeName, out invoker))
        {
            return HandlerLookup.Found;
        }

        return _types.TryGetByName(typeName, out _) ? HandlerLookup.NoHandler : HandlerLookup.UnknownType;
    }
}
