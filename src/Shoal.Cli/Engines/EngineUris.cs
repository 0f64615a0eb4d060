using System.CommandLine;
using Shoal.Cli.Infrastructure;
using Shoal.Engine;
using Shoal.Scenarios;

namespace Shoal.Cli.Engines;

/// <summary>
/// The <c>--engine URI</c> option shared by every verb. The library opens the URI (<see cref="ShoalEngines.OpenAsync"/>,
/// with <see cref="Services"/>); an <c>inproc://NAME</c> engine is shared by every verb run in this process (tests,
/// serve). A URI that cannot be used is a <see cref="ShoalConfigurationException"/> the CLI prints as
/// <c>--engine: 'URI': …</c> (<see cref="CliOptionNames"/>).
/// </summary>
internal static class EngineUris
{
    public const string OptionName = "--engine";
    public const string InProcess = EngineUriSchemes.InProcess;

    /// <summary>
    /// What a verb's engine gets: its warnings and errors on stderr (the file engine's recovery notes), the system clock.
    /// The NATS client's own log stays off, as it always was on the command line.
    /// </summary>
    public static EngineServices Services { get; } = new() { LoggerFactory = StderrLogger.Factory };

    public static Option<string> CreateOption(string description = "Where events and coordination live") =>
        new Option<string>(OptionName)
        {
            Description = $"{description}: {string.Join(", ", ShoalEngines.Usages)}",
            DefaultValueFactory = _ => InProcess,
            HelpName = "URI",
        }.Check(uri => ShoalEngines.TryValidate(uri, out var problem) ? null : problem);

    /// <inheritdoc cref="EngineUriSchemes.SharedBetweenProcesses"/>
    public static bool SharedBetweenProcesses(string uri) => EngineUriSchemes.SharedBetweenProcesses(uri);
}
