using Microsoft.Extensions.Logging;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// The log of <c>shoal worker --log-level L</c>: the runtime's, the cluster's and the engine's messages at L and above, one
/// line each on the given writer (stderr), <c>HH:mm:ss.fff warn: Category[event] message</c>. An exception is shown by
/// its messages (<c>Type: message ---> Inner: message</c>), its stack trace only at <c>debug</c> and <c>trace</c>: a failed
/// commit the worker retries is something to read, not a bug to report. The NATS client's own log stays off.
/// </summary>
internal sealed class WorkerLog : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly LogLevel _minimum;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    private WorkerLog(TextWriter writer, LogLevel minimum, TimeProvider time)
    {
        _writer = writer;
        _minimum = minimum;
        _time = time;
    }

    /// <summary>A logger factory writing messages at <paramref name="minimum"/> and above to <paramref name="writer"/>.</summary>
    public static ILoggerFactory Create(LogLevel minimum, TextWriter writer, TimeProvider? time = null) =>
        new LoggerFactory(
            [new WorkerLog(writer, minimum, time ?? TimeProvider.System)],
            new LoggerFilterOptions { MinLevel = minimum, Rules = { new LoggerFilterRule(null, "NATS", LogLevel.None, null) } });

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary><paramref name="exception"/> and its inner exceptions as one line of types and messages.</summary>
    internal static string Describe(Exception exception)
    {
        var text = new System.Text.StringBuilder();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            text.Append(text.Length == 0 ? string.Empty : " ---> ").Append(e.GetType().FullName).Append(": ").Append(e.Message.ReplaceLineEndings(" ").Trim());
        }

        return text.ToString();
    }

    private void Write(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var name = level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
        var line = FormattableString.Invariant($"{_time.GetLocalNow():HH:mm:ss.fff} {name}: {category}[{eventId.Id}] {message}");
        if (exception is not null)
        {
            line += " " + (_minimum <= LogLevel.Debug ? exception.ToString() : Describe(exception));
        }

        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    private sealed class Logger(WorkerLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= log._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Write(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}
