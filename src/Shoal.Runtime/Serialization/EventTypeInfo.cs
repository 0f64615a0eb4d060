namespace Shoal.Serialization;

/// <summary>A registered event type: the name written into <see cref="EventEnvelope.Type"/>, its CLR type, and its format (null: the topic's).</summary>
public sealed record EventTypeInfo(string Name, Type ClrType, SerializationFormat? Format);
