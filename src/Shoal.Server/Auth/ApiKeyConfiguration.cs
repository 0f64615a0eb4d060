using Microsoft.Extensions.Configuration;

namespace Shoal.Server.Auth;

/// <summary>An API key with the name its callers get in logs and rate limits.</summary>
internal readonly record struct NamedApiKey(ApiKey Key, string Name);

/// <summary>
/// The keys in force: <see cref="ShoalServerOptions.ApiKeys"/> (named <c>ApiKeys[i]</c> unless they have a name) and
/// configuration <c>Shoal:ApiKeys</c>, whose entries are either <c>KEY[:scope,scope]</c> or an object with
/// <c>Key</c>, optional <c>Name</c> and optional <c>Scopes</c> (<c>scope,scope</c>; every scope when left out).
/// An unnamed configured key is named after its setting (<c>Shoal:ApiKeys:0</c>).
/// </summary>
internal static class ApiKeyConfiguration
{
    public const string Section = "Shoal:ApiKeys";

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the setting as written when an entry is not a key, or two keys share a name.</summary>
    public static IReadOnlyList<NamedApiKey> Read(IReadOnlyList<ApiKey> options, IConfiguration configuration)
    {
        var keys = new List<NamedApiKey>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Count; i++)
        {
            Add(options[i], $"ShoalServerOptions.ApiKeys[{i}].Name", $"ApiKeys[{i}]");
        }

        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            if (entry.Value is { } text)
            {
                Add(ApiKey.Parse(text, entry.Path), entry.Path, entry.Path);
                continue;
            }

            string? key = null, name = null, scopes = null;
            foreach (var member in entry.GetChildren())
            {
                switch (member.Key.ToLowerInvariant())
                {
                    case "key":
                        key = member.Value;
                        break;
                    case "name":
                        name = member.Value;
                        break;
                    case "scopes":
                        scopes = member.Value;
                        break;
                    default:
                        throw new ShoalConfigurationException(member.Path, "is not a setting of an API key: give Key, and optionally Name and Scopes.");
                }
            }

            ApiKey.CheckKey(key, $"{entry.Path}:Key");
            var scopeSet = scopes is null ? ApiScopes.All : ApiKey.ParseScopes(scopes, $"{entry.Path}:Scopes");
            if (scopeSet == ApiScopes.None)
            {
                throw new ShoalConfigurationException($"{entry.Path}:Scopes", "list at least one scope (produce, read, admin), or leave Scopes out for every scope.");
            }

            Add(new ApiKey(key!, scopeSet) { Name = name }, $"{entry.Path}:Name", entry.Path);
        }

        return keys;

        void Add(ApiKey key, string nameField, string position)
        {
            ApiKey.CheckName(key.Name, nameField);
            if (key.Name is { } name && !named.Add(name))
            {
                throw new ShoalConfigurationException(nameField, $"another API key is named '{name}' too; give each key its own name.");
            }

            keys.Add(new NamedApiKey(key, key.Name ?? position));
        }
    }
}
