using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Shoal.Cli.Infrastructure;

/// <summary>
/// The <c>error:</c> lines for a command line that does not parse, in the CLI's own words: each names the option as
/// written (<c>--events: 'abc' is not a whole number.</c>), never a .NET type (<c>System.Int64</c>), and an unknown
/// verb is one line, not two.
/// </summary>
internal static class ParseErrorText
{
    public static IReadOnlyList<string> Describe(ParseResult result)
    {
        // System.CommandLine reports every token it did not match ("Unrecognized command or argument"), a value after an
        // unknown option too, and where a command was expected also "Required command was not provided": the first
        // unknown token says it, in one line.
        var command = result.CommandResult.Command;
        var expectsCommand = command.Subcommands.Count > 0;
        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            var unknown = token.StartsWith('-') ? $"unknown option '{token}'."
                : expectsCommand ? $"unknown command '{token}'; use {Commands(command)}."
                : $"unexpected argument '{token}'.";
            return expectsCommand
                ? [unknown]
                : [unknown, .. result.Errors.Where(e => e.SymbolResult is OptionResult).Select(Describe).Distinct(StringComparer.Ordinal)];
        }

        if (expectsCommand && result.Errors.Any(e => e.SymbolResult is CommandResult))
        {
            return [$"'{Path(result.CommandResult)}' needs a command: {Commands(command)}."];
        }

        return result.Errors.Select(Describe).Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Commands(Command command) => string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));

    /// <summary>The command as typed from the root: <c>shoal</c>, <c>shoal worker</c>, <c>shoal bench latency</c>.</summary>
    public static string Path(CommandResult result) =>
        result.Parent is CommandResult parent ? $"{Path(parent)} {result.Command.Name}" : "shoal";

    private static string Describe(ParseError error)
    {
        if (error.SymbolResult is not OptionResult optionResult)
        {
            return error.Message;
        }

        var option = optionResult.Option.Name;
        if (error.Message.StartsWith(option + ":", StringComparison.Ordinal))
        {
            return error.Message; // the CLI's own check already said it in its words
        }

        if (optionResult.Tokens.Count == 0)
        {
            return optionResult.IdentifierToken is null ? $"{option} is required." : $"{option}: needs a value.";
        }

        var type = optionResult.Option.ValueType;
        type = type.IsArray ? type.GetElementType()! : type;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return error.Message;
        }

        // The token that failed is the one the message quotes; an option with one value has one token.
        var token = optionResult.Tokens.Select(t => t.Value).FirstOrDefault(v => error.Message.Contains($"'{v}'", StringComparison.Ordinal))
                    ?? optionResult.Tokens[^1].Value;
        return Range(type, token) is { } range ? $"{option}: '{token}' is {range}." : $"{option}: '{token}' is not {Kind(type)}.";
    }

    /// <summary>For a whole number too large or too small for its option: what it is and the limit; otherwise null.</summary>
    private static string? Range(Type type, string token)
    {
        (BigInteger Min, BigInteger Max)? limits = Type.GetTypeCode(type) switch
        {
            TypeCode.Byte => (byte.MinValue, byte.MaxValue),
            TypeCode.SByte => (sbyte.MinValue, sbyte.MaxValue),
            TypeCode.Int16 => (short.MinValue, short.MaxValue),
            TypeCode.UInt16 => (ushort.MinValue, ushort.MaxValue),
            TypeCode.Int32 => (int.MinValue, int.MaxValue),
            TypeCode.UInt32 => (uint.MinValue, uint.MaxValue),
            TypeCode.Int64 => (long.MinValue, long.MaxValue),
            TypeCode.UInt64 => (ulong.MinValue, ulong.MaxValue),
            _ => null,
        };
        if (limits is not { } range
            || !BigInteger.TryParse(token.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return value > range.Max ? $"too large; the most is {range.Max.ToString(CultureInfo.InvariantCulture)}"
            : value < range.Min ? $"too small; the least is {range.Min.ToString(CultureInfo.InvariantCulture)}"
            : null;
    }

    private static string Kind(Type type) =>
        Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ => "a valid value",
        };
}
