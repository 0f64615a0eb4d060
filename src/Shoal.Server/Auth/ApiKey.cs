namespace Shoal.Server;

/// <summary>An API key and its scopes.</summary>
/// <param name="Key">The secret, presented as <c>Authorization: Bearer KEY</c>: at least <see cref="MinimumLength"/> characters.</param>
/// <param name="Scopes">What it may do.</param>
public sealed record ApiKey(string Key, ApiScopes Scopes)
{
    /// <summary>The fewest characters a key may have: 16. <c>openssl rand -hex 32</c> makes a good one (64 characters).</summary>
    public const int MinimumLength = 16;

    private const int MaximumNameLength = 64;

    /// <summary>
    /// What logs and the per-key rate limit call the caller who presents this key: 1 to 64 letters, digits, <c>.</c>,
    /// <c>_</c> or <c>-</c>. Null (default): the key is named after where it was given, <c>ApiKeys[0]</c> (the first of
    /// <see cref="ShoalServerOptions.ApiKeys"/>, the first <c>--api-key</c>) or <c>Shoal:ApiKeys:0</c> (configuration);
    /// never anything derived from the secret.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// Parses <c>KEY</c> (every scope) or <c>KEY:scope,scope</c> with scopes <c>produce</c>, <c>read</c>, <c>admin</c>.
    /// Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> when it is not one, without
    /// repeating the secret.
    /// </summary>
    public static ApiKey Parse(string? text, string field = "--api-key")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ShoalConfigurationException(field, "must be KEY or KEY:scope,scope (scopes: produce, read, admin); was empty.");
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var key = colon < 0 ? text : text[..colon];
        CheckKey(key, field);
        if (colon < 0)
        {
            return new ApiKey(key, ApiScopes.All);
        }

        var scopes = ParseScopes(text[(colon + 1)..], field);
        return scopes != ApiScopes.None
            ? new ApiKey(key, scopes)
            : throw new ShoalConfigurationException(field, "list at least one scope after ':' (produce, read, admin), or none and no ':' for every scope.");
    }

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => Name is null ? $"ApiKey {{ Scopes = {Scopes} }}" : $"ApiKey {{ Name = {Name}, Scopes = {Scopes} }}";

    /// <summary>Throws naming <paramref name="field"/> unless <paramref name="key"/> is long enough and has no spaces; never repeats it.</summary>
    internal static void CheckKey(string? key, string field)
    {
        if (key is null || key.Length < MinimumLength || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ShoalConfigurationException(field,
                $"a key must be at least {MinimumLength} characters without spaces (this one has {key?.Length ?? 0}); " +
                "generate one with 'openssl rand -hex 32'.");
        }
    }

    /// <summary>Throws naming <paramref name="field"/> unless <paramref name="name"/> is null or a valid <see cref="Name"/>.</summary>
    internal static void CheckName(string? name, string field)
    {
        if (name is not null && (name.Length is 0 or > MaximumNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            throw new ShoalConfigurationException(field, $"'{name}' is not a key name: use 1 to {MaximumNameLength} letters, digits, '.', '_' or '-'.");
        }
    }

    /// <summary>Parses <c>scope,scope</c> (produce, read, admin); <see cref="ApiScopes.None"/> when it names none.</summary>
    internal static ApiScopes ParseScopes(string text, string field)
    {
        var scopes = ApiScopes.None;
        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            scopes |= name.ToLowerInvariant() switch
            {
                "produce" => ApiScopes.Produce,
                "read" => ApiScopes.Read,
                "admin" => ApiScopes.Admin,
                _ => throw new ShoalConfigurationException(field, $"unknown scope '{name}'; use produce, read or admin."),
            };
        }

        return scopes;
    }
}
