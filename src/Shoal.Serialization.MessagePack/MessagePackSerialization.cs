using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Shoal.Serialization;

namespace Shoal;

/// <summary>Adds MessagePack (<see cref="SerializationFormat.MessagePack"/>, <see cref="ContentTypes.MessagePack"/>) to Shoal's serializers.</summary>
public static class MessagePackSerialization
{
    /// <summary>
    /// <paramref name="options"/> whose <see cref="ShoalOptions.Serializers"/> (the default ones when unset) also read and
    /// write MessagePack, as <see cref="WithMessagePack"/>.
    /// </summary>
    /// <exception cref="ShoalConfigurationException"><paramref name="messagePack"/> reads <see cref="object"/> typeless.</exception>
    public static ShoalOptions UseMessagePack(this ShoalOptions options, MessagePackSerializerOptions? messagePack = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Serializers = (options.Serializers ?? EventSerializers.CreateDefault()).WithMessagePack(messagePack) };
    }

    /// <summary>
    /// <paramref name="serializers"/> with a MessagePack serializer using <paramref name="messagePack"/> (default: standard
    /// options, contractless so plain classes work — public types through <see cref="ContractlessStandardResolver"/>,
    /// non-public ones such as internal records through <see cref="ContractlessStandardResolverAllowPrivate"/>).
    /// Payloads come from whoever can publish to a topic, so the options are always used with
    /// <see cref="MessagePackSecurity.UntrustedData"/> (hash-collision-resistant maps, a maximum nesting depth of 500; a
    /// lower <see cref="MessagePackSecurity.MaximumObjectGraphDepth"/> of theirs is kept).
    /// </summary>
    /// <exception cref="ShoalConfigurationException">
    /// <paramref name="messagePack"/> reads <see cref="object"/> with <see cref="TypelessFormatter"/> (for example
    /// <see cref="TypelessContractlessStandardResolver"/> or <see cref="TypelessObjectResolver"/>): a typeless payload names
    /// the .NET type to create, so anyone who can publish could make a consumer instantiate any type it can load.
    /// </exception>
    public static EventSerializers WithMessagePack(this EventSerializers serializers, MessagePackSerializerOptions? messagePack = null)
    {
        ArgumentNullException.ThrowIfNull(serializers);
        messagePack = messagePack is null
            ? MessagePackSerializerOptions.Standard.WithResolver(ContractlessAnyVisibilityResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData)
            : ForUntrustedData(messagePack);
        return serializers.With(new MessagePackEventSerializer(messagePack));
    }

    /// <summary>
    /// <paramref name="options"/> with <see cref="MessagePackSecurity.UntrustedData"/> in force (its own depth limit when
    /// lower); refused when <c>object</c> is read typeless.
    /// </summary>
    private static MessagePackSerializerOptions ForUntrustedData(MessagePackSerializerOptions options)
    {
        if (options.Resolver is TypelessContractlessStandardResolver or TypelessObjectResolver
            || options.Resolver?.GetFormatter<object>() is TypelessFormatter)
        {
            throw new ShoalConfigurationException("messagePack",
                "a typeless resolver (TypelessContractlessStandardResolver, TypelessObjectResolver, or TypelessFormatter for object) " +
                "lets a payload name the type a consumer creates; use a resolver without it, e.g. ContractlessStandardResolver.");
        }

        var untrusted = MessagePackSecurity.UntrustedData;
        var security = options.Security;
        if (security.GetType() == typeof(MessagePackSecurity) && security.HashCollisionResistant
            && security.MaximumObjectGraphDepth <= untrusted.MaximumObjectGraphDepth)
        {
            return options;
        }

        return options.WithSecurity(untrusted.WithMaximumObjectGraphDepth(Math.Min(security.MaximumObjectGraphDepth, untrusted.MaximumObjectGraphDepth)));
    }
}
