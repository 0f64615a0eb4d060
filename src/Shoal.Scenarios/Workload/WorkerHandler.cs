using System.Globalization;

namespace Shoal.Scenarios.Workload;

/// <summary>A parsed <c>--handler</c>: <c>verify</c>, <c>noop</c> or <c>sleep:MS</c>.</summary>
/// <param name="Kind">What the handler does.</param>
/// <param name="Sleep">How long a <see cref="WorkerHandlerKind.Sleep"/> handler waits per event.</param>
public readonly record struct WorkerHandler(WorkerHandlerKind Kind, TimeSpan Sleep)
{
    /// <summary>The handler as <c>--handler</c> writes it: <c>verify</c>, <c>noop</c> or <c>sleep:MS</c>.</summary>
    public override string ToString() => Kind switch
    {
        WorkerHandlerKind.Sleep => string.Create(CultureInfo.InvariantCulture, $"sleep:{Sleep.TotalMilliseconds}"),
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses <c>verify</c>, <c>noop</c> or <c>sleep:MS</c> (milliseconds, at most an hour).</summary>
    public static bool TryParse(string? text, out WorkerHandler handler)
    {
        handler = default;
        switch (text)
        {
            case "verify":
                handler = new WorkerHandler(WorkerHandlerKind.Verify, TimeSpan.Zero);
                return true;
            case "noop":
                handler = new WorkerHandler(WorkerHandlerKind.Noop, TimeSpan.Zero);
                return true;
        }

        if (text is not null && text.StartsWith("sleep:", StringComparison.Ordinal)
            && double.TryParse(text.AsSpan(6), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ms)
            && ms <= 3_600_000)
        {
            handler = new WorkerHandler(WorkerHandlerKind.Sleep, TimeSpan.FromMilliseconds(ms));
            return true;
        }

        return false;
    }
}
