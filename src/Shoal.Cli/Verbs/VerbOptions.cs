using System.CommandLine;
using Shoal.Cli.Infrastructure;

namespace Shoal.Cli.Verbs;

/// <summary>Options several verbs share, with the same names, checks and help.</summary>
internal static class VerbOptions
{
    public static Option<string> Topic(string description = "The topic") =>
        Name("--topic", description, required: true);

    public static Option<string> Group(string description = "The consumer group", bool required = true) =>
        Name("--group", description, required);

    private static Option<string> Name(string name, string description, bool required) =>
        new Option<string>(name)
        {
            Description = description,
            Required = required,
            HelpName = "name",
        }.Check(value => NameRules.IsValid(value)
            ? null
            : $"'{value}' is not a valid name: use 1-200 characters of A-Z a-z 0-9 - _ . starting with a letter or digit.");
}
