using System.Diagnostics;
using System.Text.Json.Serialization;
using Shoal.Scenarios.Bench;

namespace Shoal.Benchmarks.Peers;

/// <summary>The event both systems carry: the same type, serialized as JSON by each.</summary>
public sealed class PeerEvent
{
    public string Key { get; set; } = "";

    public long Sequence { get; set; }
}

[JsonSerializable(typeof(PeerEvent))]
internal sealed partial class PeerJsonContext : JsonSerializerContext;

/// <summary>One case of the comparison: how many events over how many keys, and what the handler does.</summary>
internal sealed record PeerCase(string Name, int Events, int Keys, bool Slow);

/// <summary>
/// What one run of one case observes, shared by the handler of either system: per key, the highest sequence
/// seen at handler start (an event that starts below it was handled before an earlier-published event of its
/// key: an order violation); the count handled; and the time the last one finished.
/// </summary>
internal sealed class PeerRun
{
    private readonly long[] _lastSeen;
    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);
    private readonly PreciseDelay? _delay;
    private readonly int _events;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _handled;
    private long _violations;
    private long _finishedAt;

    public PeerRun(PeerCase @case, PreciseDelay? delay)
    {
        _events = @case.Events;
        _lastSeen = new long[@case.Keys];
        Array.Fill(_lastSeen, -1);
        _delay = @case.Slow ? delay : null;
        KeyNames = [.. Enumerable.Range(0, @case.Keys).Select(k => "key-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    public string[] KeyNames { get; }

    public long Violations => Interlocked.Read(ref _violations);

    public long Handled => Interlocked.Read(ref _handled);

    /// <summary>Completes when every event has been handled.</summary>
    public Task Done => _done.Task;

    public long FinishedAt => _finishedAt;

    /// <summary>Event <paramref name="n"/> of the run: keys round-robin, the sequence is the publish order.</summary>
    public PeerEvent Create(int n) => new() { Key = KeyNames[n % KeyNames.Length], Sequence = n };

    public static int KeyIndex(string key) => int.Parse(key.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);

    public Task HandleAsync(PeerEvent e)
    {
        Start(KeyIndex(e.Key), e.Sequence);
        if (_delay is null)
        {
            Finish();
            return Task.CompletedTask;
        }

        return SlowAsync();
    }

    private async Task SlowAsync()
    {
        await _delay!.WaitAsync(OneMillisecond);
        Finish();
    }

    private void Start(int key, long sequence)
    {
        ref var last = ref _lastSeen[key];
        while (true)
        {
            var seen = Volatile.Read(ref last);
            if (sequence < seen)
            {
                Interlocked.Increment(ref _violations);
                return;
            }

            if (Interlocked.CompareExchange(ref last, sequence, seen) == seen)
            {
                return;
            }
        }
    }

    private void Finish()
    {
        if (Interlocked.Increment(ref _handled) == _events)
        {
            _finishedAt = Stopwatch.GetTimestamp();
            _done.TrySetResult();
        }
    }
}
