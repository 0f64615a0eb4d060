namespace Shoal.Engine;

/// <summary>
/// Opens engines for one or more URI schemes (<c>inproc://</c>, <c>file://</c>, <c>nats://</c>…) for
/// <see cref="ShoalEngines"/>. Shoal's engine packages bring their own; add one for another scheme with
/// <see cref="ShoalEngines.Register"/>.
/// </summary>
public interface IEngineProvider
{
    /// <summary>The schemes handled, lower-case, without <c>://</c>, e.g. <c>nats</c>.</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>One line per accepted form, for help and error messages, e.g. <c>file://DIR</c>.</summary>
    IReadOnlyList<string> Usages { get; }

    /// <summary>
    /// Checks <paramref name="uri"/> (one of <see cref="Schemes"/>) without opening anything: false with a
    /// <paramref name="problem"/> that quotes the URI — with any secret in it replaced by <c>***</c>
    /// (<see cref="ShoalEngines.Redact"/>) — and says what is accepted.
    /// </summary>
    bool TryValidate(string uri, out string problem);

    /// <summary>
    /// Opens the engine <paramref name="uri"/> names, with the caller's loggers and clock. Disposing the result
    /// releases what this call opened (and never an engine other holders still use).
    /// </summary>
    /// <exception cref="ShoalConfigurationException">The URI cannot be used; the field is <see cref="ShoalEngines.UriField"/>.</exception>
    /// <exception cref="EngineException">The engine's storage or servers cannot be reached or refuse it.</exception>
    ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices services, CancellationToken cancellationToken);
}
