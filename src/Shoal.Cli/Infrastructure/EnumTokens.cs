using System.CommandLine.Parsing;

namespace Shoal.Cli.Infrastructure;

/// <summary>Enum-valued options written in kebab case on the command line (<c>round-robin</c>, <c>step</c>).</summary>
internal static class EnumTokens
{
    /// <summary>
    /// Parses the option's last token as a <typeparamref name="TEnum"/> name (case- and dash-insensitive; numbers are
    /// refused), or adds <c>option: 'token' is not a what; use accepted.</c> as the parse error.
    /// </summary>
    public static TEnum Parse<TEnum>(ArgumentResult result, string option, string what, string accepted)
        where TEnum : struct, Enum
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (token.Length > 0 && !char.IsDigit(token[0])
            && Enum.TryParse<TEnum>(token.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var value)
            && Enum.IsDefined(value))
        {
            return value;
        }

        result.AddError($"{option}: '{token}' is not {what}; use {accepted}.");
        return default;
    }
}
