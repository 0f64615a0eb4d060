using System.CommandLine.Parsing;
using System.Globalization;

namespace Shoal.Cli.Verbs;

/// <summary>What <c>shoal worker --handler</c> does with each event.</summary>
internal enum WorkerHandlerKind
{
    /// <summary>Records what it handled in the engine, for <c>shoal verify</c>.</summary>
    Verify,

    /// <summary>Nothing.</summary>
    Noop,

    /// <summary>Waits a fixed time (an I/O-bound handler).</summary>
    Sleep,
}

/// <summary>A parsed <c>--handler</c>: <c>verify</c>, <c>noop</c> or <c>sleep:MS</c>.</summary>
internal readonly record struct WorkerHandler(WorkerHandlerKind Kind, TimeSpan Sleep)
{
    public override string ToString() => Kind switch
    {
        WorkerHandlerKind.Sleep => string.Create(CultureInfo.InvariantCulture, $"sleep:{Sleep.TotalMilliseconds}"),
        _ => Kind.ToString().ToLowerInvariant(),
    };

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

    public static WorkerHandler Parse(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (TryParse(token, out var handler))
        {
            return handler;
        }

        result.AddError($"--handler: '{token}' is not a handler; use verify, noop or sleep:MS (milliseconds, e.g. sleep:2).");
        return default;
    }
}
