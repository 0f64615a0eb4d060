using System.Collections.Concurrent;
using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// Opens <c>inproc://</c>, <c>inproc://NAME</c> and <c>file://DIR[?durability=flush|interval&amp;flush-interval=D]</c>
/// for <see cref="ShoalEngines"/>, which finds it by name when this package is present:
/// <list type="bullet">
/// <item><c>inproc://</c> — a new in-process engine, the caller's alone;</item>
/// <item><c>inproc://NAME</c> — one in-process engine per name for the whole process, created with the first caller's
/// services; disposing what <see cref="OpenAsync"/> returned leaves it open for the other holders;</item>
/// <item><c>file://DIR</c> — the durable engine (<see cref="FileEngine"/>) in data directory DIR (relative to the working
/// directory unless it starts with <c>/</c>; <c>file:///abs</c> works too), owned by this process until disposed.</item>
/// </list>
/// </summary>
public sealed class InProcessEngineProvider : IEngineProvider
{
    private const string InProcess = "inproc";
    private const string File = "file";

    private static readonly ConcurrentDictionary<string, Lazy<IShoalEngine>> Shared = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [InProcess, File];

    /// <inheritdoc />
    public IReadOnlyList<string> Usages { get; } = ["inproc://[NAME]", "file://DIR"];

    /// <inheritdoc />
    public bool TryValidate(string uri, out string problem) => TryParse(uri, out _, out _, out problem);

    /// <inheritdoc />
    public async ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryParse(uri, out var scheme, out var rest, out var problem))
        {
            throw new ShoalConfigurationException(ShoalEngines.UriField, problem);
        }

        if (scheme == File)
        {
            TryParseFile(uri, rest, out var options, out _);
            return await FileEngine.OpenAsync(options with { LoggerFactory = services.LoggerFactory, TimeProvider = services.TimeProvider }, cancellationToken);
        }

        var inProcess = new InProcessEngineOptions { TimeProvider = services.TimeProvider };
        return rest.Length == 0
            ? InProcessEngine.Create(inProcess)
            : new SharedEngine(Shared.GetOrAdd(rest, static (_, o) => new Lazy<IShoalEngine>(() => InProcessEngine.Create(o)), inProcess).Value);
    }

    private static bool TryParse(string uri, out string scheme, out string rest, out string problem)
    {
        ArgumentNullException.ThrowIfNull(uri);
        problem = string.Empty;
        var separator = uri.IndexOf("://", StringComparison.Ordinal);
        scheme = separator < 0 ? string.Empty : uri[..separator].ToLowerInvariant();
        rest = separator < 0 ? string.Empty : uri[(separator + 3)..];
        switch (scheme)
        {
            case InProcess when rest.Length > 0 && !NameRules.IsValid(rest):
                problem = $"'{uri}': the in-process engine name '{rest}' may only contain letters, digits, '-', '_' and '.'.";
                return false;
            case InProcess:
                return true;
            case File:
                return TryParseFile(uri, rest, out _, out problem);
            default:
                problem = $"'{ShoalEngines.Redact(uri)}': {nameof(InProcessEngineProvider)} opens inproc:// and file:// URIs only.";
                return false;
        }
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

    /// <summary>A holder's view of a shared <c>inproc://NAME</c> engine: disposing it leaves the engine open for the others.</summary>
    private sealed class SharedEngine(IShoalEngine engine) : IShoalEngine
    {
        public string Name => engine.Name;

        public IEventLog Log => engine.Log;

        public ICoordinationStore Coordination => engine.Coordination;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
