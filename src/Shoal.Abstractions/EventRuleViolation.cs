namespace Shoal;

/// <summary>A rule of <see cref="EventRules"/> that an event breaks.</summary>
/// <param name="Part">What breaks it.</param>
/// <param name="Header">The header's name, for <see cref="EventPart.HeaderName"/> and <see cref="EventPart.HeaderValue"/>.</param>
/// <param name="Message">What is wrong, for a person.</param>
public readonly record struct EventRuleViolation(EventPart Part, string? Header, string Message)
{
    /// <summary>The field as a .NET caller names it: <c>Key</c>, <c>Headers["a b"]</c>, <c>Headers</c>.</summary>
    public string Path => Part switch
    {
        EventPart.HeaderName or EventPart.HeaderValue => $"Headers[\"{Header}\"]",
        _ => Part.ToString(),
    };
}
