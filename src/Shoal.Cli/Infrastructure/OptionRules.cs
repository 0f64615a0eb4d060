using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Shoal.Cli.Infrastructure;

/// <summary>Checks attached to options, so bad values are parse errors (exit 2) whose message names the option.</summary>
internal static class OptionRules
{
    public static Option<T> InRange<T>(this Option<T> option, T min, T max)
        where T : struct, IComparable<T> =>
        option.Check(value => value.CompareTo(min) >= 0 && value.CompareTo(max) <= 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}; was {value}."));

    public static Option<T> AtLeast<T>(this Option<T> option, T min)
        where T : struct, IComparable<T> =>
        option.Check(value => value.CompareTo(min) >= 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"must be at least {min}; was {value}."));

    /// <summary>
    /// Adds a check of the converted value; <paramref name="problem"/> returns null when the value is fine,
    /// else the reason, reported as <c>--option: reason</c>. Values that did not convert are left to the
    /// parser's own error.
    /// </summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> problem)
    {
        option.Validators.Add(result =>
        {
            if (result.Errors.Any() || !TryGetValue(result, out T value))
            {
                return;
            }

            if (problem(value) is { } reason)
            {
                result.AddError($"{option.Name}: {reason}");
            }
        });
        return option;
    }

    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            // Conversion failed: System.CommandLine reports it already.
            value = default!;
            return false;
        }
    }
}
