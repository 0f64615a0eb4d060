using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Shoal.Cli.Infrastructure;

/// <summary>
/// Durations on the command line: a non-negative number with a unit, <c>200ms</c>, <c>1s</c>, <c>1.5s</c>,
/// <c>2m</c>, <c>1h</c>, or a bare <c>0</c>. A bare number other than 0 is rejected: its unit would be a guess. Every
/// duration option drives a timer somewhere, so none may exceed <see cref="Max"/>.
/// </summary>
internal static partial class Durations
{
    private const string Accepted = "write a number with a unit: 200ms, 1s, 1.5s, 2m, 1h (or 0)";

    /// <summary>The longest duration accepted: what a timer can wait, <see cref="OptionChecks.MaxTimerDuration"/> (about 49.7 days).</summary>
    public static TimeSpan Max => OptionChecks.MaxTimerDuration;

    private static readonly string Longest = string.Create(CultureInfo.InvariantCulture,
        $"a duration may be at most {Math.Floor(Max.TotalHours)}h (about {Max.TotalDays:0.#} days, the longest a timer can wait)");

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ShoalConfigurationException"/> naming <paramref name="name"/>.</summary>
    public static TimeSpan Parse(string text, string name = "duration")
    {
        if (TryParse(text, out var value, out var error))
        {
            return value;
        }

        throw new ShoalConfigurationException(name, error);
    }

    /// <summary>Parses <paramref name="text"/>, or returns false with a message saying what is accepted.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = string.Empty;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed == "0")
        {
            return true;
        }

        var match = DurationPattern().Match(trimmed);
        if (!match.Success)
        {
            error = trimmed.StartsWith('-')
                ? $"'{text}' is negative; durations must be 0 or more ({Accepted})."
                : $"'{text}' is not a duration; {Accepted}.";
            return false;
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

    /// <summary>A duration option: parsed by <see cref="TryParse"/>, errors name the option.</summary>
    public static Option<TimeSpan> CreateOption(string name, TimeSpan defaultValue, string description)
    {
        return new Option<TimeSpan>(name)
        {
            Description = $"{description} (default {Format(defaultValue)}; e.g. 200ms, 1s, 2m)",
            HelpName = "duration",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
                if (TryParse(token, out var value, out var error))
                {
                    return value;
                }

                result.AddError($"{name}: {error}");
                return default;
            },
        };
    }

    /// <summary>Adds a check that the duration is more than 0 (for intervals and timeouts, where 0 means nothing).</summary>
    public static Option<TimeSpan> Positive(this Option<TimeSpan> option) =>
        option.Check(value => value > TimeSpan.Zero ? null : $"must be more than 0; was {Format(value)}.");

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)(?<unit>ms|s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
