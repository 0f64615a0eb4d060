using System.Text.RegularExpressions;

namespace Shoal;

/// <summary>Validation of topic and group names: 1–200 of <c>A–Z a–z 0–9 - _ .</c>, starting with a letter or digit.</summary>
public static partial class NameRules
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>True when <paramref name="name"/> is a valid topic or group name.</summary>
    public static bool IsValid(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> when the name is invalid.</summary>
    public static void Validate(string field, string? name)
    {
        if (!IsValid(name))
        {
            throw new ShoalConfigurationException(field,
                $"'{name}' is not a valid name: use 1-200 characters of A-Z a-z 0-9 - _ . starting with a letter or digit.");
        }
    }
}
