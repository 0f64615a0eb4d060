namespace Shoal;

/// <summary>The part of an event that breaks a rule of <see cref="EventRules"/>.</summary>
public enum EventPart
{
    Id,
    Key,
    Type,
    ContentType,

    /// <summary>A header's name (invalid, reserved, or repeated ignoring case).</summary>
    HeaderName,

    /// <summary>A header's value.</summary>
    HeaderValue,

    /// <summary>The headers as a whole (their size).</summary>
    Headers,
}
