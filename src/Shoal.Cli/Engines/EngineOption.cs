using System.CommandLine;
using System.CommandLine.Parsing;
using Shoal.Engine;

namespace Shoal.Cli.Engines;

/// <summary>
/// Where a verb's engine URI comes from, first found wins: <c>--engine URI</c>, <c>--engine-file PATH</c> (a file holding
/// the URI), the variable <c>SHOAL_ENGINE</c>, the variable <c>SHOAL_ENGINE_FILE</c>, else <c>inproc://</c>. A password or
/// token on the command line can be read by every local user (<c>/proc/PID/cmdline</c>, <c>ps</c>); the environment and
/// a file only you can read cannot, so a URI with a secret given as <c>--engine</c> draws a warning naming them. Giving
/// both <c>--engine</c> and <c>--engine-file</c>, or setting both variables, is an error.
/// </summary>
internal sealed class EngineOption
{
    /// <summary>The variable holding the engine URI (what <c>supervise</c> hands its workers).</summary>
    public const string Variable = "SHOAL_ENGINE";

    /// <summary>The variable naming a file that holds the engine URI.</summary>
    public const string FileVariable = "SHOAL_ENGINE_FILE";

    public const string FileOptionName = "--engine-file";

    private readonly Func<string, string?> _environment;

    public EngineOption(string description = "Where events and coordination live", Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        Uri = new Option<string?>(EngineUris.OptionName)
        {
            Description = $"{description} (default: ${Variable}, else ${FileVariable}, else {EngineUris.InProcess}; a password or token belongs in " +
                $"${Variable} or {FileOptionName}, not here): {string.Join(", ", ShoalEngines.Usages)}",
            HelpName = "URI",
        };
        File = new Option<string?>(FileOptionName)
        {
            Description = $"A file holding the engine URI (its first line that is not empty or a # comment); keep it readable by you only (chmod 600)",
            HelpName = "PATH",
        };
    }

    /// <summary><c>--engine</c>.</summary>
    public Option<string?> Uri { get; }

    /// <summary><c>--engine-file</c>.</summary>
    public Option<string?> File { get; }

    /// <summary>Adds both options to <paramref name="command"/>, and a check that the URI, wherever it comes from, can be used.</summary>
    public void AddTo(Command command)
    {
        command.Options.Insert(0, Uri);
        command.Options.Insert(1, File);
        command.Validators.Add(result =>
        {
            if (!result.Errors.Any() && Resolve(result.GetValue(Uri), result.GetValue(File)) is { Problem: { } problem })
            {
                result.AddError(problem);
            }
        });
    }

    /// <summary>The engine URI; writes a warning to <paramref name="error"/> when a secret was given where other users can read it.</summary>
    public string GetValue(ParseResult parseResult, TextWriter error)
    {
        var source = Resolve(parseResult.GetValue(Uri), parseResult.GetValue(File));
        if (source.Problem is { } problem)
        {
            throw new ShoalException(problem); // the parse's check reported it already; a file may have changed since
        }

        if (source.Warning is { } warning)
        {
            error.WriteLine($"warning: {warning}");
        }

        return source.Uri;
    }

    /// <summary>Finds the URI from the options given (null when absent) and the environment; pure but for reading a file.</summary>
    internal EngineSource Resolve(string? uri, string? file)
    {
        if (uri is not null && file is not null)
        {
            return EngineSource.Failed(EngineUris.OptionName, $"{EngineUris.OptionName}: give {EngineUris.OptionName} or {FileOptionName}, not both.");
        }

        if (uri is not null)
        {
            return Checked(EngineUris.OptionName, uri, ShoalEngines.Redact(uri) == uri ? null
                : $"{EngineUris.OptionName} holds a password or token, which any local user can read in the process list; " +
                  $"set {Variable}, or put the URI in a file only you can read and give {FileOptionName} PATH (or {FileVariable}).");
        }

        if (file is not null)
        {
            return FromFile(FileOptionName, file);
        }

        var variable = _environment(Variable);
        var fileVariable = _environment(FileVariable);
        if (!string.IsNullOrEmpty(variable) && !string.IsNullOrEmpty(fileVariable))
        {
            return EngineSource.Failed(Variable, $"{Variable} and {FileVariable} are both set; set one.");
        }

        return !string.IsNullOrEmpty(variable) ? Checked(Variable, variable.Trim(), null)
            : !string.IsNullOrEmpty(fileVariable) ? FromFile(FileVariable, fileVariable)
            : new EngineSource(EngineUris.InProcess, EngineUris.OptionName, null, null);
    }

    private static EngineSource FromFile(string name, string path)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return EngineSource.Failed(name, $"{name}: cannot read '{path}': {e.Message}");
        }

        var uri = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
        if (uri is null)
        {
            return EngineSource.Failed(name, $"{name}: '{path}' holds no engine URI (its first line that is not empty or a # comment is the URI).");
        }

        return Checked($"{name} '{path}'", uri, OthersCanRead(path)
            ? $"{name} '{path}' can be read by other users; make it yours only: chmod 600 '{path}'."
            : null);
    }

    private static EngineSource Checked(string name, string uri, string? warning) =>
        ShoalEngines.TryValidate(uri, out var problem)
            ? new EngineSource(uri, name, null, warning)
            : EngineSource.Failed(name, $"{name}: {problem}");

    private static bool OthersCanRead(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return (System.IO.File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>The engine URI a verb uses, where it came from (<c>--engine</c>, a variable, a file), and a problem or a warning.</summary>
internal sealed record EngineSource(string Uri, string Name, string? Problem, string? Warning)
{
    public static EngineSource Failed(string name, string problem) => new(string.Empty, name, problem, null);
}
