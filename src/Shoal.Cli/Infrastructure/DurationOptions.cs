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
            CustomParser = result => Parse(name, result, positive: false),
        };
    }

    /// <summary>The duration must be more than 0 (intervals and timeouts, where 0 means nothing): 0 and negative durations are refused, and an error does not suggest "or 0".</summary>
    public static Option<TimeSpan> Positive(this Option<TimeSpan> option)
    {
        option.CustomParser = result => Parse(option.Name, result, positive: true);
        return option;
    }

    private static TimeSpan Parse(string name, ArgumentResult result, bool positive)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (positive ? Durations.TryParsePositive(token, out var value, out var error) : Durations.TryParse(token, out value, out error))
        {
            return value;
        }

        result.AddError($"{name}: {error}");
        return default;
    }
}
