namespace Shoal.Scenarios;

/// <summary>What the scenarios (and the <c>--engine</c> option of the CLI) need to know about an engine URI's scheme.</summary>
public static class EngineUriSchemes
{
    /// <summary>The in-process engine's URI (and prefix of its named form, <c>inproc://NAME</c>).</summary>
    public const string InProcess = "inproc://";

    /// <summary>
    /// True for engines that several processes use at once (NATS), where another process may create a topic while
    /// this one runs; false for <c>inproc://</c> (one process) and <c>file://</c> (one process owns the directory).
    /// </summary>
    public static bool SharedBetweenProcesses(string uri) => uri.StartsWith("nats://", StringComparison.OrdinalIgnoreCase);
}
