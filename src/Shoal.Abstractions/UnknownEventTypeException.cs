namespace Shoal;

/// <summary>An event carries a type name that is not registered.</summary>
public sealed class UnknownEventTypeException : ShoalException
{
    public UnknownEventTypeException(string typeName)
        : base($"Unknown event type '{typeName}': no CLR type is registered under that name.") => TypeName = typeName;

    public string TypeName { get; }
}
