namespace Shoal;

/// <summary>The part of an event that breaks a rule of <see cref="EventRules"/>.</summary>
public enum EventPart
{
    /// <summary>The event's id.</summary>
    Id,
    /// <summary>The event's key.</summary>
    Key,
    /// <summary>The event's type name.</summary>
    Type,
    /// <summary>The event's content type.</summary>
    ContentType,

    /// <summary>A header's name (invalid, reserved, or repeated ignoring case).</summary>
    HeaderName,

    /// <summary>A header's value.</summary>
    HeaderValue,

    /// <summary>The headers as a whole (their size).</summary>
    Headers,
}
