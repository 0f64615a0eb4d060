using System.CommandLine;
using System.CommandLine.Parsing;

namespace Shoal.Cli.Infrastructure;

/// <summary>Duration options of the verbs, read by the library's <see cref="Durations"/> (one parser for URIs, options and configuration).</summary>
internal static class DurationOptions
{
    /// <summary>A duration option: parsed by <see cref="Durations.TryParse"/>, errors name the option.</summary>
    public static Option<TimeSpan> Create(string name, TimeSpan defaultValue, string description)
    {
        return new Option<TimeSpan>(name)
        {
            Description = $"{description} (default {Durations.Format(defaultValue)}; e.g. 200ms, 1s, 2m)",
            HelpName = "duration",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse(name, result, zeroAllowed: true),
        };
    }

    /// <summary>Adds a check that the duration is more than 0 (for intervals and timeouts, where 0 means nothing); a text that is no duration is not told "or 0" either.</summary>
    public static Option<TimeSpan> Positive(this Option<TimeSpan> option)
    {
        option.CustomParser = result => Parse(option.Name, result, zeroAllowed: false);
        return option.Check(value => value > TimeSpan.Zero ? null : $"must be more than 0; was {Durations.Format(value)}.");
    }

    private static TimeSpan Parse(string name, ArgumentResult result, bool zeroAllowed)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (Durations.TryParse(token, out var value, out var error))
        {
            return value;
        }

        result.AddError($"{name}: {(zeroAllowed ? error : error.Replace(" (or 0)", string.Empty, StringComparison.Ordinal))}");
        return default;
    }
}
