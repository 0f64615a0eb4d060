using System.Reflection;

namespace Shoal.Engine;

/// <summary>
/// The providers <see cref="ShoalEngines"/> opens URIs with: those registered, then those of the engine packages,
/// looked up once by type name (docs/engines.md says why by name rather than by registration).
/// </summary>
internal sealed class EngineProviderCatalog(IReadOnlyList<KnownEngineProvider> known)
{
    /// <summary>Shoal's engine packages and the provider type each holds.</summary>
    public static readonly IReadOnlyList<KnownEngineProvider> ShoalProviders =
    [
        new("Shoal.Engines.InProcess.InProcessEngineProvider, Shoal.Engines.InProcess", "Shoal.Engines.InProcess", ["inproc", "file"]),
        new("Shoal.Engines.Nats.NatsEngineProvider, Shoal.Engines.Nats", "Shoal.Engines.Nats", ["nats"]),
    ];

    private readonly Lock _lock = new();
    private volatile IEngineProvider[] _registered = [];
    private IReadOnlyList<IEngineProvider>? _found;

    public IReadOnlyList<string> Usages =>
        [.. Found.Concat(_registered).SelectMany(p => p.Usages).Distinct(StringComparer.Ordinal)];

    /// <summary>The providers of the known packages present, in the order of <c>known</c>; looked up on first use.</summary>
    private IReadOnlyList<IEngineProvider> Found => LazyInitializer.EnsureInitialized(ref _found, () =>
        [.. known.Select(k => k.TryCreate()).OfType<IEngineProvider>()]);

    public void Register(IEngineProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var schemes = provider.Schemes;
        if (schemes is null || schemes.Count == 0)
        {
            throw new ShoalConfigurationException("ShoalEngines.Register", $"{provider.GetType().Name} names no scheme.");
        }

        lock (_lock)
        {
            foreach (var scheme in schemes)
            {
                if (Array.Find(_registered, p => p.Schemes.Contains(scheme, StringComparer.OrdinalIgnoreCase)) is { } other)
                {
                    throw new ShoalConfigurationException("ShoalEngines.Register",
                        $"{provider.GetType().Name} handles '{scheme}://', which {other.GetType().Name} was registered for already.");
                }
            }

            _registered = [.. _registered, provider];
        }
    }

    /// <summary>The provider of <paramref name="uri"/>'s scheme after it checked the URI; false with the problem.</summary>
    public bool TryValidate(string? uri, out IEngineProvider provider, out string problem)
    {
        provider = null!;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(uri))
        {
            problem = "must be an engine URI such as inproc://; was empty.";
            return false;
        }

        var separator = uri.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            problem = $"'{ShoalEngines.Redact(uri)}' is not an engine URI; use {string.Join(" or ", Usages)}.";
            return false;
        }

        var scheme = uri[..separator].ToLowerInvariant();
        if (Find(scheme) is not { } found)
        {
            problem = known.FirstOrDefault(k => k.Schemes.Contains(scheme, StringComparer.Ordinal)) is { } missing
                ? $"'{ShoalEngines.Redact(uri)}': {scheme}:// engines are in the package {missing.Package}, which this application does not reference; add the package {missing.Package}."
                : $"'{ShoalEngines.Redact(uri)}': scheme '{scheme}://' is not supported; use {string.Join(" or ", Usages)} (or register an IEngineProvider for it with ShoalEngines.Register).";
            return false;
        }

        provider = found;
        return found.TryValidate(uri, out problem);
    }

    public async ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryValidate(uri, out var provider, out var problem))
        {
            throw new ShoalConfigurationException(ShoalEngines.UriField, problem);
        }

        return await provider.OpenAsync(uri, services, cancellationToken)
            ?? throw new EngineException($"'{ShoalEngines.Redact(uri)}': {provider.GetType().Name} returned no engine.");
    }

    private IEngineProvider? Find(string scheme) =>
        Array.FindLast(_registered, p => Handles(p, scheme)) ?? Found.FirstOrDefault(p => Handles(p, scheme));

    private static bool Handles(IEngineProvider provider, string scheme) => provider.Schemes.Contains(scheme, StringComparer.OrdinalIgnoreCase);
}

/// <summary>An engine package's provider: its type's assembly-qualified name, the package, the schemes it opens.</summary>
internal sealed record KnownEngineProvider(string TypeName, string Package, IReadOnlyList<string> Schemes)
{
    /// <summary>The provider, or null when its assembly is not part of the application.</summary>
    public IEngineProvider? TryCreate()
    {
        try
        {
            return Type.GetType(TypeName, throwOnError: false) is { } type ? Activator.CreateInstance(type) as IEngineProvider : null;
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException or TargetInvocationException or MissingMethodException)
        {
            return null;
        }
    }
}
