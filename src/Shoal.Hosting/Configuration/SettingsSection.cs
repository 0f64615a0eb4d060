using Microsoft.Extensions.Configuration;

namespace Shoal.Hosting.Configuration;

/// <summary>
/// The settings one section of configuration may hold, each applied to an options record with <c>with</c>. Keys match
/// in any case, as configuration does. A key that is not a setting is an error naming it, with the nearest known key:
/// a misspelt setting silently left at its default is a bug the user would not see.
/// </summary>
internal sealed class SettingsSection<T>(string what, IReadOnlyDictionary<string, Func<T, IConfigurationSection, T>> settings)
{
    public IEnumerable<string> Keys => settings.Keys;

    public T Apply(IConfigurationSection section, T value)
    {
        foreach (var setting in section.GetChildren())
        {
            if (!settings.TryGetValue(setting.Key, out var apply))
            {
                throw UnknownKey(setting, what, settings.Keys);
            }

            value = apply(value, setting);
        }

        return value;
    }

    public static ShoalConfigurationException UnknownKey(IConfigurationSection setting, string what, IEnumerable<string> known)
    {
        var nearest = known.Select(k => (Key: k, Distance: Distance(k, setting.Key))).MinBy(k => k.Distance);
        var hint = nearest.Key is not null && nearest.Distance <= Math.Max(2, setting.Key.Length / 4) ? $"did you mean {nearest.Key}? " : string.Empty;
        return ConfigurationValues.Error(setting, $"is not a setting of {what}; {hint}the settings are {string.Join(", ", known)}.");
    }

    /// <summary>Applies <paramref name="section"/>, requiring it to be a section (an object), not a single value.</summary>
    public T ApplySection(IConfigurationSection section, T value)
    {
        RequireSection(section, settings.Keys);
        return Apply(section, value);
    }

    public static void RequireSection(IConfigurationSection section, IEnumerable<string> keys)
    {
        if (!string.IsNullOrEmpty(section.Value) && !section.GetChildren().Any())
        {
            throw ConfigurationValues.Error(section, $"must be a section of settings ({string.Join(", ", keys)}), not the value '{section.Value}'.");
        }
    }

    private static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
