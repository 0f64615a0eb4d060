namespace Shoal;

/// <summary>Options or arguments are invalid; the message names the field and the accepted values.</summary>
public sealed class ShoalConfigurationException : ShoalException
{
    /// <summary>Creates the exception; its message is <c>field: message</c>.</summary>
    public ShoalConfigurationException(string field, string message) : base($"{field}: {message}") => Field = field;

    /// <summary>The option or argument that is wrong, e.g. <c>GroupOptions.MaxConcurrency</c>.</summary>
    public string Field { get; }
}
