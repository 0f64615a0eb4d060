using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Shoal.Serialization;

/// <summary>
/// Maps event-type names (as written into <see cref="EventEnvelope.Type"/>) to CLR types and back.
/// </summary>
/// <remarks>
/// Configure with <see cref="Add{T}"/>, then read from any number of threads: lookups read an immutable
/// frozen snapshot that <see cref="Add{T}"/> replaces under a lock, so they take no lock and never see a half-made change.
/// </remarks>
public sealed class EventTypeRegistry
{
    private const int MaxNameLength = 200;

    private readonly Lock _gate = new();
    private volatile Snapshot _snapshot = Snapshot.Empty;

    /// <summary>All registered types.</summary>
    public IReadOnlyCollection<EventTypeInfo> Types => _snapshot.ByName.Values;

    /// <summary>
    /// Registers <typeparamref name="T"/> under <paramref name="name"/> (default <c>typeof(T).Name</c>) with an
    /// optional format of its own. Registering the same type again with the same name and format does nothing.
    /// </summary>
    /// <exception cref="ShoalConfigurationException">
    /// The name is invalid (empty, longer than 200 characters, or containing whitespace or control characters),
    /// the format is undefined, the name belongs to another type, or the type is registered under another name or format.
    /// </exception>
    public EventTypeRegistry Add<T>(string? name = null, SerializationFormat? format = null)
    {
        var type = typeof(T);
        name ??= type.Name;
        ValidateName(name);
        if (format is { } f && !Enum.IsDefined(f))
        {
            throw new ShoalConfigurationException(nameof(format),
                $"'{f}' is not one of {string.Join(", ", Enum.GetNames<SerializationFormat>())}.");
        }

        lock (_gate)
        {
            var current = _snapshot;
            if (current.ByType.TryGetValue(type, out var existing))
            {
                if (existing.Name != name)
                {
                    throw new ShoalConfigurationException(nameof(name),
                        $"event type {type.FullName} is already registered as '{existing.Name}'; it cannot also be registered as '{name}'.");
                }

                if (existing.Format != format)
                {
                    throw new ShoalConfigurationException(nameof(format),
                        $"event type {type.FullName} ('{name}') is already registered with format {existing.Format?.ToString() ?? "(topic default)"}; it cannot also use {format?.ToString() ?? "(topic default)"}.");
                }

                return this;
            }

            if (current.ByName.TryGetValue(name, out var owner))
            {
                throw new ShoalConfigurationException(nameof(name),
                    $"event type name '{name}' is already used by {owner.ClrType.FullName}; choose another name for {type.FullName}.");
            }

            var all = current.ByName.Values.Append(new EventTypeInfo(name, type, format)).ToList();
            var writers = current.Writers.Append(new KeyValuePair<Type, BoxedWriter>(type, static (serializer, destination, value) => serializer.Serialize(destination, (T)value)));
            _snapshot = new Snapshot(
                all.ToFrozenDictionary(i => i.Name, StringComparer.Ordinal),
                all.ToFrozenDictionary(i => i.ClrType),
                writers.ToFrozenDictionary());
        }

        return this;
    }

    /// <summary>The type registered under <paramref name="name"/> (ordinal, case-sensitive).</summary>
    public bool TryGetByName(string name, [NotNullWhen(true)] out EventTypeInfo? info)
    {
        if (name is null)
        {
            info = null;
            return false;
        }

        return _snapshot.ByName.TryGetValue(name, out info);
    }

    /// <summary>The registration of <paramref name="type"/>.</summary>
    public bool TryGet(Type type, [NotNullWhen(true)] out EventTypeInfo? info)
    {
        if (type is null)
        {
            info = null;
            return false;
        }

        return _snapshot.ByType.TryGetValue(type, out info);
    }

    /// <summary>The registration of <typeparamref name="T"/>.</summary>
    /// <exception cref="ShoalConfigurationException"><typeparamref name="T"/> is not registered.</exception>
    public EventTypeInfo Get<T>() =>
        _snapshot.ByType.TryGetValue(typeof(T), out var info)
            ? info
            : throw new ShoalConfigurationException("TEvent",
                $"Event type {typeof(T).Name} is not registered; register it with AddEventType<{typeof(T).Name}>().");

    /// <summary>
    /// The registration of <paramref name="type"/> and a writer that serializes a boxed value of it as
    /// <see cref="IEventSerializer.Serialize{T}"/> with the registered type (made when it was registered, so no reflection
    /// is needed to publish events whose type is known only at run time).
    /// </summary>
    internal bool TryGetWriter(Type type, [NotNullWhen(true)] out EventTypeInfo? info, [NotNullWhen(true)] out BoxedWriter? writer)
    {
        var snapshot = _snapshot;
        writer = null;
        return snapshot.ByType.TryGetValue(type, out info) && snapshot.Writers.TryGetValue(type, out writer);
    }

    private static void ValidateName(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            throw new ShoalConfigurationException(nameof(name),
                $"event type name '{name}' must be 1-{MaxNameLength} characters; it has {name.Length}.");
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ShoalConfigurationException(nameof(name),
                    $"event type name '{name}' must not contain whitespace or control characters (found U+{(int)c:X4}).");
            }
        }
    }

    /// <summary>Serializes a boxed event of one registered type (<see cref="TryGetWriter"/>).</summary>
    internal delegate void BoxedWriter(IEventSerializer serializer, IBufferWriter<byte> destination, object value);

    private sealed record Snapshot(
        FrozenDictionary<string, EventTypeInfo> ByName, FrozenDictionary<Type, EventTypeInfo> ByType, FrozenDictionary<Type, BoxedWriter> Writers)
    {
        public static readonly Snapshot Empty = new(
            FrozenDictionary<string, EventTypeInfo>.Empty,
            FrozenDictionary<Type, EventTypeInfo>.Empty,
            FrozenDictionary<Type, BoxedWriter>.Empty);
    }
}
