using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Shoal.Serialization;

/// <summary>
/// The default MessagePack resolver: <see cref="ContractlessStandardResolver"/> for public types (maps of their public
/// members, the format Shoal has always written) and <see cref="ContractlessStandardResolverAllowPrivate"/> for
/// non-public ones (internal records and classes), which the public one refuses ("Building dynamic formatter only
/// allows public type"). A non-public class's non-public fields and properties are written too (not compiler-generated
/// backing fields, so a record writes exactly its properties); <c>[IgnoreMember]</c> or <c>[MessagePackObject]</c>
/// with <c>[Key]</c> choose otherwise. Member types are resolved through this resolver again, so an internal type
/// inside a public one works.
/// </summary>
internal sealed class ContractlessAnyVisibilityResolver : IFormatterResolver
{
    public static readonly ContractlessAnyVisibilityResolver Instance = new();

    private ContractlessAnyVisibilityResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = typeof(T).IsVisible
            ? ContractlessStandardResolver.Instance.GetFormatter<T>()
            : ContractlessStandardResolverAllowPrivate.Instance.GetFormatter<T>();
    }
}
