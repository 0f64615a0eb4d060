using System.Text;

namespace Shoal.Serialization;

/// <summary>Builds the <see cref="EventSerializationException"/>s every serializer throws, so messages read alike.</summary>
internal static class SerializationErrors
{
    public static EventSerializationException Deserialize(Type type, string contentType, string cause, Exception? inner = null) =>
        new($"Cannot deserialize '{TypeName(type)}' from {contentType}: {cause}", inner);

    public static EventSerializationException Deserialize(Type type, string contentType, Exception inner) =>
        Deserialize(type, contentType, Describe(inner), inner);

    public static EventSerializationException Serialize(Type type, string contentType, string cause, Exception? inner = null) =>
        new($"Cannot serialize '{TypeName(type)}' to {contentType}: {cause}", inner);

    public static EventSerializationException Serialize(Type type, string contentType, Exception inner) =>
        Serialize(type, contentType, Describe(inner), inner);

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
    public static string TypeName(Type type)
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
