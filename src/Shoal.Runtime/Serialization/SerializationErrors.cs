using System.Text;

namespace Shoal.Serialization;

/// <summary>
/// Builds the <see cref="EventSerializationException"/>s an <see cref="IEventSerializer"/> throws, so every format's
/// messages read alike: <c>Cannot deserialize 'OrderPlaced' from application/json: cause</c>.
/// </summary>
public static class SerializationErrors
{
    /// <summary>Reading a <paramref name="type"/> from a payload of <paramref name="contentType"/> failed because of <paramref name="cause"/>.</summary>
    public static EventSerializationException Deserialize(Type type, string contentType, string cause, Exception? inner = null) =>
        new($"Cannot deserialize '{TypeName(type)}' from {contentType}: {cause}", inner);

    /// <summary>Reading a <paramref name="type"/> failed with <paramref name="inner"/>; the cause is its message chain (<see cref="Describe"/>).</summary>
    public static EventSerializationException Deserialize(Type type, string contentType, Exception inner) =>
        Deserialize(type, contentType, Describe(inner), inner);

    /// <summary>Writing a <paramref name="type"/> as <paramref name="contentType"/> failed because of <paramref name="cause"/>.</summary>
    public static EventSerializationException Serialize(Type type, string contentType, string cause, Exception? inner = null) =>
        new($"Cannot serialize '{TypeName(type)}' to {contentType}: {cause}", inner);

    /// <summary>Writing a <paramref name="type"/> failed with <paramref name="inner"/>; the cause is its message chain (<see cref="Describe"/>).</summary>
    public static EventSerializationException Serialize(Type type, string contentType, Exception inner) =>
        Serialize(type, contentType, Describe(inner), inner);

    /// <summary>A null event of <paramref name="type"/> was given to serialize.</summary>
    public static EventSerializationException NullValue(Type type, string contentType) =>
        Serialize(type, contentType, "the value is null; an event must not be null.");

    /// <summary>The exception's message followed by its inner exceptions' (libraries often say "error in document" outside and why inside).</summary>
    public static string Describe(Exception exception)
    {
        var text = new StringBuilder(exception.Message);
        var inner = exception.InnerException;
        for (var depth = 0; inner is not null && depth < 3; depth++, inner = inner.InnerException)
        {
            text.Append(" -> ").Append(inner.Message);
        }

        return text.ToString();
    }

    /// <summary>A readable type name: <c>OrderPlaced</c>, <c>List&lt;OrderLine&gt;</c>.</summary>
    internal static string TypeName(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`');
        var arguments = string.Join(", ", type.GetGenericArguments().Select(TypeName));
        return $"{(tick < 0 ? name : name[..tick])}<{arguments}>";
    }
}
