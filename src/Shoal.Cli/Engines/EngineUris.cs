using System.Collections.Concurrent;
using System.CommandLine;
using Shoal.Cli.Infrastructure;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Engines.Nats;

namespace Shoal.Cli.Engines;

/// <summary>
/// The <c>--engine URI</c> option shared by every verb, and how a URI becomes an engine:
/// <list type="bullet">
/// <item><c>inproc://</c> — a new in-process engine owned by the verb (gone when it exits);</item>
/// <item><c>inproc://NAME</c> — one in-process engine per name, shared by every verb run in this process (tests, serve);</item>
/// <item><c>nats://[user:pass@]host:port[,host:port…][?token=…&amp;creds=…&amp;replicas=3…]</c> — a connection to NATS JetStream
/// servers (<see cref="NatsEngineUri"/>), owned by the verb;</item>
/// <item><c>file://DIR[?durability=flush|interval&amp;flush-interval=10ms]</c> — the durable engine in data directory
/// DIR (relative to the working directory unless it starts with <c>/</c>; <c>file:///abs</c> works too), owned by
/// this process while the verb runs;</item>
/// <item>other schemes (<c>redis://</c>) are added by their engines.</item>
/// </list>
/// A URI that cannot be used is a <see cref="ShoalConfigurationException"/> naming <c>--engine</c> and the URI.
/// </summary>
internal static class EngineUris
{
    public const string OptionName = "--engine";
    public const string InProcess = "inproc://";
    public const string File = "file://";

    private static readonly ConcurrentDictionary<string, Lazy<IShoalEngine>> SharedInProcess = new(StringComparer.Ordinal);

    /// <summary>The schemes a user may give, for help and error messages.</summary>
    public static IReadOnlyList<string> Schemes { get; } = ["inproc://[NAME]", "file://DIR", "nats://[USER:PASS@]HOST:PORT[,HOST:PORT...][?OPTIONS]"];

    public static Option<string> CreateOption(string description = "Where events and coordination live") =>
        new Option<string>(OptionName)
        {
            Description = $"{description}: {string.Join(", ", Schemes)}",
            DefaultValueFactory = _ => InProcess,
            HelpName = "URI",
        }.Check(uri => TryParse(uri, out _, out var problem) ? null : problem);

    /// <summary>Opens the engine a URI names. Dispose the result when done: it disposes the engine only if it owns it.</summary>
    /// <exception cref="ShoalConfigurationException">The URI cannot be used (names <c>--engine</c>).</exception>
    /// <exception cref="EngineException">The engine's servers cannot be reached or refuse the credentials.</exception>
    public static ValueTask<OpenedEngine> OpenAsync(string uri, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryParse(uri, out var parsed, out var problem))
        {
            throw new ShoalConfigurationException(OptionName, problem);
        }

        if (parsed.Scheme == NatsEngineUri.Scheme)
        {
            NatsEngineUri.TryParse(uri, parsed.Name, out var options, out _);
            return OpenNatsAsync(options, cancellationToken);
        }

        return parsed.Scheme switch
        {
            "inproc" when parsed.Name.Length == 0 => ValueTask.FromResult(new OpenedEngine(InProcessEngine.Create(), owned: true)),
            "inproc" => ValueTask.FromResult(new OpenedEngine(
                SharedInProcess.GetOrAdd(parsed.Name, static _ => new Lazy<IShoalEngine>(() => InProcessEngine.Create())).Value,
                owned: false)),
            "file" => OpenFileAsync(uri, parsed.Name, cancellationToken),
            _ => throw new ShoalConfigurationException(OptionName, $"'{uri}': scheme '{parsed.Scheme}://' is not supported; use {string.Join(" or ", Schemes)}."),
        };
    }

    private static async ValueTask<OpenedEngine> OpenFileAsync(string uri, string rest, CancellationToken cancellationToken)
    {
        if (!TryParseFile(uri, rest, out var options, out var problem))
        {
            throw new ShoalConfigurationException(OptionName, problem);
        }

        var engine = await FileEngine.OpenAsync(options with { LoggerFactory = StderrLogger.Factory }, cancellationToken);
        return new OpenedEngine(engine, owned: true);
    }

    /// <summary>Reads <c>DIR[?durability=flush|interval&amp;flush-interval=D]</c>; false with a reason naming the URI.</summary>
    private static bool TryParseFile(string uri, string rest, out FileEngineOptions options, out string problem)
    {
        options = null!;
        problem = string.Empty;
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? rest : rest[..question];
        if (path.Length == 0)
        {
            problem = $"'{uri}': name a data directory, e.g. file://./data or file:///var/lib/shoal.";
            return false;
        }

        options = new FileEngineOptions { Directory = path };
        if (question < 0)
        {
            return true;
        }

        foreach (var pair in rest[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (pair, string.Empty) : (pair[..equals], pair[(equals + 1)..]);
            switch (name)
            {
                case "durability" when value is "flush" or "interval":
                    options = options with { Durability = value == "flush" ? FileDurability.FlushBeforeAck : FileDurability.Interval };
                    break;
                case "durability":
                    problem = $"'{uri}': durability must be 'flush' (flush before acknowledging) or 'interval'; was '{value}'.";
                    return false;
                case "flush-interval":
                    if (!Durations.TryParse(value, out var interval, out var error) || interval <= TimeSpan.Zero)
                    {
                        problem = $"'{uri}': flush-interval: {(error.Length > 0 ? error : $"must be more than 0; was '{value}'.")}";
                        return false;
                    }

                    options = options with { FlushInterval = interval };
                    break;
                default:
                    problem = $"'{uri}': unknown setting '{name}'; file:// takes durability=flush|interval and flush-interval=DURATION.";
                    return false;
            }
        }

        return true;
    }

    /// <summary>Splits a URI into scheme and the rest; false with a reason naming the URI when it is not one.</summary>
    public static bool TryParse(string? uri, out EngineUri parsed, out string problem)
    {
        parsed = default;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(uri))
        {
            problem = $"must be an engine URI such as {InProcess}; was empty.";
            return false;
        }

        var separator = uri.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            problem = $"'{uri}' is not an engine URI; use {string.Join(" or ", Schemes)}.";
            return false;
        }

        var scheme = uri[..separator].ToLowerInvariant();
        var rest = uri[(separator + 3)..];
        if (scheme == "inproc" && rest.Length > 0 && !Names.IsValid(rest))
        {
            problem = $"'{uri}': the in-process engine name '{rest}' may only contain letters, digits, '-', '_' and '.'.";
            return false;
        }

        if (scheme == NatsEngineUri.Scheme && !NatsEngineUri.TryParse(uri, rest, out _, out problem))
        {
            return false;
        }

        if (scheme == "file" && !TryParseFile(uri, rest, out _, out problem))
        {
            return false;
        }

        parsed = new EngineUri(scheme, rest);
        return true;
    }

    private static async ValueTask<OpenedEngine> OpenNatsAsync(NatsEngineOptions options, CancellationToken cancellationToken) =>
        new(await NatsEngine.ConnectAsync(options, cancellationToken), owned: true);
}

/// <summary>An engine URI split at <c>://</c>: the lower-case scheme and everything after it.</summary>
internal readonly record struct EngineUri(string Scheme, string Name)
{
    /// <summary>
    /// True for engines that several processes use at once (NATS), where another process may create a topic while
    /// this one runs; false for <c>inproc://</c> (one process) and <c>file://</c> (one process owns the directory).
    /// </summary>
    public bool SharedBetweenProcesses => Scheme == NatsEngineUri.Scheme;
}

/// <summary>An engine a verb opened, disposed with it only when the verb owns it.</summary>
internal sealed class OpenedEngine(IShoalEngine engine, bool owned) : IAsyncDisposable
{
    public IShoalEngine Engine { get; } = engine;

    public ValueTask DisposeAsync() => owned ? Engine.DisposeAsync() : ValueTask.CompletedTask;
}
