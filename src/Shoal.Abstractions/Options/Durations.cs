using System.Globalization;
using System.Text.RegularExpressions;

namespace Shoal;

/// <summary>
/// Durations written as text — in engine URIs (<c>file://data?flush-interval=10ms</c>,
/// <c>nats://h:4222?connect-timeout=5s</c>), on the command line, in configuration: a non-negative number with a unit,
/// <c>200ms</c>, <c>1s</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>, or a bare <c>0</c>. A bare number other than 0 is
/// rejected: its unit would be a guess. Every such duration drives a timer somewhere, so none may exceed
/// <see cref="Max"/>.
/// </summary>
public static partial class Durations
{
    private const string Units = "write a number with a unit: 200ms, 1s, 1.5s, 2m, 1h";
    private const string Accepted = Units + " (or 0)";

    /// <summary>The longest duration accepted: what a timer can wait, <see cref="OptionChecks.MaxTimerDuration"/> (about 49.7 days).</summary>
    public static TimeSpan Max => OptionChecks.MaxTimerDuration;

    private static readonly string Longest = string.Create(CultureInfo.InvariantCulture,
        $"a duration may be at most {Math.Floor(Max.TotalHours)}h (about {Max.TotalDays:0.#} days, the longest a timer can wait)");

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <param name="text">The duration, e.g. <c>250ms</c>.</param>
    /// <param name="name">The field or option the text was given for, named by the error.</param>
    /// <exception cref="ShoalConfigurationException">The text is not a duration Shoal accepts; the field is <paramref name="name"/>.</exception>
    public static TimeSpan Parse(string text, string name = "duration")
    {
        if (TryParse(text, out var value, out var error))
        {
            return value;
        }

        throw new ShoalConfigurationException(name, error);
    }

    /// <summary>Parses <paramref name="text"/>, or returns false with an <paramref name="error"/> quoting it and saying what is accepted.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error) => TryParse(text, positive: false, out value, out error);

    /// <summary>
    /// Parses <paramref name="text"/> as a duration that must be more than 0 (an interval or a timeout, where 0 would mean
    /// nothing), or returns false with an <paramref name="error"/> quoting it and saying what is accepted.
    /// </summary>
    public static bool TryParsePositive(string? text, out TimeSpan value, out string error) => TryParse(text, positive: true, out value, out error);

    private static bool TryParse(string? text, bool positive, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = string.Empty;
        var trimmed = text?.Trim() ?? string.Empty;
        var match = DurationPattern().Match(trimmed);
        if (trimmed != "0" && !match.Success)
        {
            error = !trimmed.StartsWith('-') ? $"'{text}' is not a duration; {(positive ? Units : Accepted)}."
                : positive ? $"must be more than 0; '{text}' is negative."
                : $"'{text}' is negative; durations must be 0 or more ({Accepted}).";
            return false;
        }

        if (trimmed == "0")
        {
            error = positive ? "must be more than 0; was 0." : string.Empty;
            return !positive;
        }

        var number = double.Parse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var milliseconds = match.Groups["unit"].Value switch
        {
            "ms" => number,
            "s" => number * 1_000,
            "m" => number * 60_000,
            _ => number * 3_600_000,
        };
        if (double.IsInfinity(milliseconds) || milliseconds > Max.TotalMilliseconds)
        {
            error = $"'{text}' is too long: {Longest}.";
            return false;
        }

        value = TimeSpan.FromMilliseconds(milliseconds);
        if (positive && value <= TimeSpan.Zero)
        {
            error = $"must be more than 0; '{text}' is 0.";
            return false;
        }

        return true;
    }

    /// <summary>The shortest form <see cref="Parse"/> reads back: <c>0</c>, <c>250ms</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var ms = value.TotalMilliseconds;
        return ms switch
        {
            0 => "0",
            _ when ms % 3_600_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000}h"),
            _ when ms % 60_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000}m"),
            _ when ms >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1_000}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ms}ms"),
        };
    }

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)(?<unit>ms|s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
