namespace Shoal.Server;

/// <summary>An API key and its scopes.</summary>
/// <param name="Key">The secret, presented as <c>Authorization: Bearer KEY</c>.</param>
/// <param name="Scopes">What it may do.</param>
public sealed record ApiKey(string Key, ApiScopes Scopes)
{
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
        if (key.Length < 8 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ShoalConfigurationException(field, "a key must be at least 8 characters without spaces.");
        }

        if (colon < 0)
        {
            return new ApiKey(key, ApiScopes.All);
        }

        var scopes = ApiScopes.None;
        foreach (var name in text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            scopes |= name.ToLowerInvariant() switch
            {
                "produce" => ApiScopes.Produce,
                "read" => ApiScopes.Read,
                "admin" => ApiScopes.Admin,
                _ => throw new ShoalConfigurationException(field, $"unknown scope '{name}'; use produce, read or admin."),
            };
        }

        if (scopes == ApiScopes.None)
        {
            throw new ShoalConfigurationException(field, "list at least one scope after ':' (produce, read, admin), or none and no ':' for every scope.");
        }

        return new ApiKey(key, scopes);
    }

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"ApiKey {{ Scopes = {Scopes} }}";
}
