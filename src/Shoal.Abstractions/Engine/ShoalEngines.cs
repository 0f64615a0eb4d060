namespace Shoal.Engine;

/// <summary>
/// Opens an engine from a URI — <c>inproc://</c>, <c>inproc://NAME</c>, <c>file://DIR?…</c>, <c>nats://HOST:PORT?…</c>
/// (the schemes and their options: docs/engines.md). The engine packages' providers are found by name when their
/// assembly is part of the application (<c>Shoal.Engines.InProcess</c>, <c>Shoal.Engines.Nats</c>), with no
/// registration; <see cref="Register"/> adds a provider for another scheme.
/// </summary>
/// <example><code>
/// await using var engine = await ShoalEngines.OpenAsync("nats://127.0.0.1:4222?replicas=3",
///     new EngineServices { LoggerFactory = loggerFactory }, cancellationToken);
/// </code></example>
public static class ShoalEngines
{
    /// <summary>The <see cref="ShoalConfigurationException.Field"/> of every error about an engine URI.</summary>
    public const string UriField = "ShoalEngines.Uri";

    private static readonly EngineProviderCatalog Catalog = new(EngineProviderCatalog.ShoalProviders);

    /// <summary>The accepted forms, one per scheme the application can open, e.g. <c>file://DIR</c>; for help and messages.</summary>
    public static IReadOnlyList<string> Usages => Catalog.Usages;

    /// <summary>
    /// Adds <paramref name="provider"/>: from now on its schemes open through it, in place of a provider found in an
    /// engine package for the same scheme.
    /// </summary>
    /// <exception cref="ShoalConfigurationException">Another registered provider already handles one of its schemes, or it names none.</exception>
    public static void Register(IEngineProvider provider) => Catalog.Register(provider);

    /// <summary>
    /// Checks <paramref name="uri"/> without opening anything: false with a <paramref name="problem"/> that quotes the
    /// URI (secrets replaced by <c>***</c>) and says what to write instead, or which package to add.
    /// </summary>
    public static bool TryValidate(string? uri, out string problem) => Catalog.TryValidate(uri, out _, out problem);

    /// <summary>
    /// Opens the engine <paramref name="uri"/> names, giving it <paramref name="services"/> (default: no logging, the
    /// system clock). Dispose it when done: that closes what this call opened; a shared <c>inproc://NAME</c> engine
    /// stays open for its other holders.
    /// </summary>
    /// <exception cref="ShoalConfigurationException">
    /// The URI cannot be used — not a URI, a scheme no provider handles, a known scheme whose package the application
    /// does not reference (the message names the package to add), a bad option; the field is <see cref="UriField"/> and
    /// the message quotes the URI with any secret replaced by <c>***</c>.
    /// </exception>
    /// <exception cref="EngineException">The engine's storage or servers cannot be reached or refuse the credentials.</exception>
    public static ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices? services = null, CancellationToken cancellationToken = default) =>
        Catalog.OpenAsync(uri, services ?? EngineServices.Default, cancellationToken);

    /// <summary>
    /// <paramref name="uri"/> with the password of <c>user:password@</c>, a lone <c>token@</c>, and the value of every option
    /// whose name holds <c>token</c>, <c>password</c>, <c>pass</c>, <c>secret</c>, <c>seed</c> or <c>nkey</c> replaced by
    /// <c>***</c>: what an error message may quote. The credentials end at the last <c>@</c>, even one after a <c>?</c>
    /// (a password with an unencoded <c>?</c>), so more is hidden rather than less.
    /// </summary>
    public static string Redact(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var text = uri;
        var start = text.IndexOf("://", StringComparison.Ordinal);
        var at = text.LastIndexOf('@');
        if (at > 0 && start >= 0 && at > start)
        {
            // user:password@ keeps the user; a lone token@ (NATS's token form) is all secret.
            var colon = text.IndexOf(':', start + 3);
            text = colon > 0 && colon < at
                ? text[..(colon + 1)] + "***" + text[at..]
                : text[..(start + 3)] + "***" + text[at..];
        }

        var query = text.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return text;
        }

        var pairs = text[(query + 1)..].Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            var eq = pairs[i].IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0 && IsSecretName(pairs[i][..eq]))
            {
                pairs[i] = pairs[i][..(eq + 1)] + "***";
            }
        }

        return text[..(query + 1)] + string.Join('&', pairs);
    }

    /// <summary>Whether an option of this name holds a secret: its value is never quoted.</summary>
    private static bool IsSecretName(string name) =>
        name.Contains("token", StringComparison.OrdinalIgnoreCase) || name.Contains("pass", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase) || name.Contains("seed", StringComparison.OrdinalIgnoreCase)
        || name.Contains("nkey", StringComparison.OrdinalIgnoreCase);
}
