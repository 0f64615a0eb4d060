using System.ComponentModel;

namespace Shoal.Engine;

/// <summary>
/// The characters a coordination key may hold: <c>A–Z a–z 0–9 - _ . / =</c>. Shared by every engine's
/// <see cref="ICoordinationStore"/> so they reject the same keys with the same error.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CoordinationKeyRules
{
    /// <summary>Throws <see cref="ShoalConfigurationException"/> (field <c>key</c>) when <paramref name="key"/> is empty or holds a character outside the allowed set.</summary>
    public static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ShoalConfigurationException("key", "must not be empty.");
        }

        ValidateCharacters("key", key);
    }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> (field <c>prefix</c>) when <paramref name="prefix"/> is null or holds a character outside the allowed set; an empty prefix is allowed.</summary>
    public static void ValidatePrefix(string prefix)
    {
        if (prefix is null)
        {
            throw new ShoalConfigurationException("prefix", "must not be null.");
        }

        ValidateCharacters("prefix", prefix);
    }

    private static void ValidateCharacters(string field, string value)
    {
        foreach (var c in value)
        {
            if (!IsAllowed(c))
            {
                throw new ShoalConfigurationException(field,
                    $"'{value}' holds '{c}'; use only A-Z a-z 0-9 - _ . / =.");
            }
        }
    }

    private static bool IsAllowed(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or '=';
}
