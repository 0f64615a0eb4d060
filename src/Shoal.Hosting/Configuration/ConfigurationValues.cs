using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Shoal.Hosting.Configuration;

/// <summary>
/// Reads one setting of a configuration section as the type a Shoal option needs. Every error is a
/// <see cref="ShoalConfigurationException"/> whose field is the setting's configuration path (<c>Shoal:Groups:billing:MaxConcurrency</c>)
/// and whose message quotes the value as written and says what is accepted.
/// </summary>
internal static class ConfigurationValues
{
    public static string Text(IConfigurationSection setting) => Raw(setting, "a text");

    public static int Int(IConfigurationSection setting)
    {
        var raw = Raw(setting, "a whole number");
        return int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(setting, NotWhole(raw, int.MinValue, int.MaxValue));
    }

    public static long Long(IConfigurationSection setting)
    {
        var raw = Raw(setting, "a whole number");
        return long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(setting, NotWhole(raw, long.MinValue, long.MaxValue));
    }

    /// <summary>Why <paramref name="raw"/> is no whole number in [min, max]: out of range (with the limit), or not one at all.</summary>
    private static string NotWhole(string raw, long min, long max) =>
        !System.Numerics.BigInteger.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? $"'{raw}' is not a whole number."
        : value > max ? string.Create(CultureInfo.InvariantCulture, $"'{raw}' is too large; the most is {max}.")
        : string.Create(CultureInfo.InvariantCulture, $"'{raw}' is too small; the least is {min}.");

    public static double Double(IConfigurationSection setting)
    {
        var raw = Raw(setting, "a number");
        return double.TryParse(raw, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(setting, $"'{raw}' is not a number (write it with a decimal point, e.g. 0.5).");
    }

    public static bool Bool(IConfigurationSection setting)
    {
        var raw = Raw(setting, "true or false");
        return bool.TryParse(raw, out var value) ? value : throw Error(setting, $"'{raw}' is not true or false.");
    }

    /// <summary>A duration as <see cref="Durations"/> reads it (<c>200ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>), or <c>infinite</c> where allowed.</summary>
    public static TimeSpan Duration(IConfigurationSection setting, bool allowInfinite = false)
    {
        var raw = Raw(setting, "a duration");
        if (allowInfinite && string.Equals(raw.Trim(), "infinite", StringComparison.OrdinalIgnoreCase))
        {
            return Timeout.InfiniteTimeSpan;
        }

        return Durations.TryParse(raw, out var value, out var error)
            ? value
            : throw Error(setting, allowInfinite ? $"{error.TrimEnd('.')}, or infinite." : error);
    }

    /// <summary>One of the enum's names, in any case; numbers are refused (their meaning is not visible in a file).</summary>
    public static TEnum Enum<TEnum>(IConfigurationSection setting) where TEnum : struct, Enum
    {
        var raw = Raw(setting, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>()));
        var trimmed = raw.Trim();
        foreach (var name in System.Enum.GetNames<TEnum>())
        {
            if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return System.Enum.Parse<TEnum>(name);
            }
        }

        throw Error(setting, $"'{raw}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
    }

    public static ShoalConfigurationException Error(IConfigurationSection setting, string message) => new(setting.Path, message);

    /// <summary>The setting's text; a section (an object in JSON) or an empty value is an error naming what was expected.</summary>
    private static string Raw(IConfigurationSection setting, string expected)
    {
        if (setting.GetChildren().Any())
        {
            throw Error(setting, $"must be a value ({expected}), not a section of settings.");
        }

        return string.IsNullOrWhiteSpace(setting.Value) ? throw Error(setting, $"is empty; write {expected}.") : setting.Value;
    }
}
