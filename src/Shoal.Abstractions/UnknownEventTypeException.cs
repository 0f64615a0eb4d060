namespace Shoal;

/// <summary>An event carries a type name that is not registered.</summary>
public sealed class UnknownEventTypeException : ShoalException
{
    /// <summary>Creates the exception naming <paramref name="typeName"/>.</summary>
    public UnknownEventTypeException(string typeName)
        : base($"Unknown event type '{typeName}': no CLR type is registered under that name.") => TypeName = typeName;

    /// <summary>The type name that is not registered.</summary>
    public string TypeName { get; }
}
