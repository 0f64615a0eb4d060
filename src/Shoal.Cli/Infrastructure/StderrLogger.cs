using Microsoft.Extensions.Logging;

namespace Shoal.Cli.Infrastructure;

/// <summary>
/// Engine warnings and errors for people: <c>warning: …</c> / <c>error: …</c> lines on stderr (never stdout, whose
/// last line may be the <c>--json</c> report). Information and below are not shown.
/// </summary>
internal sealed class StderrLogger : ILoggerProvider, ILogger
{
    /// <summary>Loggers on stderr for the engines the verbs open; the NATS client's own log stays off (it always was).</summary>
    public static ILoggerFactory Factory { get; } =
        new LoggerFactory([new StderrLogger()], new LoggerFilterOptions { Rules = { new LoggerFilterRule(null, "NATS", LogLevel.None, null) } });

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {formatter(state, exception)}");
        }
    }

    public void Dispose()
    {
    }
}
