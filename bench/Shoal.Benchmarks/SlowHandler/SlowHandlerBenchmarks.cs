using BenchmarkDotNet.Attributes;
using Shoal.Processing;
using Shoal.Scenarios.Bench;

namespace Shoal.Benchmarks.SlowHandler;

/// <summary>
/// A handler that takes 1 ms asynchronously (<see cref="PreciseDelay"/>), 1,000 keys round-robin, concurrency
/// 256 (issue 2, Performance: the dispatcher ≥ 0.8× an unordered semaphore-and-tasks baseline with the same
/// concurrency, and ≥ 100× a sequential per-partition consumer). Means are per event.
/// </summary>
[MemoryDiagnoser]
public class SlowHandlerBenchmarks
{
    public const int Events = 20_000;
    public const int SequentialEvents = 500;
    private const int Keys = 1_000;
    private const int Concurrency = 256;
    private const int Window = 4096;
    private const int RefillBatch = 256;
    private static readonly TimeSpan OneMs = TimeSpan.FromMilliseconds(1);

    private EventEnvelope[] _events = [];
    private PreciseDelay _delay = null!;
    private long _windowWaits;
    private long _dispatcherRuns;

    [GlobalSetup]
    public void Setup()
    {
        _events = BenchmarkEvents.Create(Events, Keys);
        _delay = new PreciseDelay();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var stats = _delay.TakeStats();
        if (_dispatcherRuns > 0)
        {
            Console.WriteLine($"// Feeder waits for the window: {(double)_windowWaits / _dispatcherRuns:F0} per run of {Events} events");
        }

        Console.WriteLine($"// PreciseDelay: {stats.Completed} delays, timer-thread lateness mean {stats.MeanLateness.TotalMicroseconds:F1} µs, max {stats.MaxLateness.TotalMicroseconds:F1} µs");
        _delay.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "Unordered: SemaphoreSlim(256) + task per event (baseline)")]
    public async Task Unordered()
    {
        using var gate = new SemaphoreSlim(Concurrency, Concurrency);
        var tasks = new Task[Events];
        for (var i = 0; i < tasks.Length; i++)
        {
            await gate.WaitAsync();
            tasks[i] = RunOneAsync(gate, _events[i]);
        }

        await Task.WhenAll(tasks);
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "KeyOrderedDispatcher(256), window 4096, refill per event (PartitionConsumer before the fix)")]
    public Task Dispatcher() => RunDispatcherAsync(1);

    [Benchmark(OperationsPerInvoke = Events, Description = "KeyOrderedDispatcher(256), window 4096, refill in batches of 256 (as PartitionConsumer)")]
    public Task DispatcherBatchedRefill() => RunDispatcherAsync(RefillBatch);

    [Benchmark(OperationsPerInvoke = SequentialEvents, Description = "Sequential: one event at a time per partition")]
    public async Task Sequential()
    {
        for (var i = 0; i < SequentialEvents; i++)
        {
            await HandleAsync(_events[i]);
        }
    }

    private async Task RunDispatcherAsync(int refill)
    {
        var tracker = new OffsetTracker(Window, 0);
        using var dispatcher = new KeyOrderedDispatcher(new SlowProcessor(this), tracker, Concurrency, TimeProvider.System, CancellationToken.None);
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            var offset = events[i].Offset;
            if (offset >= tracker.Watermark + Window)
            {
                // Window full: wait until `refill` offsets are free (PartitionConsumer waits for one).
                var wait = dispatcher.WaitForWatermark(offset - Window + refill);
                if (wait is not null)
                {
                    _windowWaits++;
                    await wait;
                }
            }

            dispatcher.Dispatch(events[i]);
        }

        _dispatcherRuns++;
        var drained = dispatcher.WaitForWatermark(Events);
        if (drained is not null)
        {
            await drained;
        }

        if (dispatcher.Fault is { } fault)
        {
            throw new InvalidOperationException("The dispatcher faulted.", fault);
        }
    }

    private async Task RunOneAsync(SemaphoreSlim gate, EventEnvelope envelope)
    {
        try
        {
            await HandleAsync(envelope);
        }
        finally
        {
            gate.Release();
        }
    }

    // The "handler": 1 ms of asynchronous waiting, nothing else.
    private Task HandleAsync(EventEnvelope envelope) => _delay.WaitAsync(OneMs);

    private sealed class SlowProcessor(SlowHandlerBenchmarks owner) : IEventProcessor
    {
        public ValueTask ProcessAsync(EventEnvelope envelope, HandlerSlot slot) => new(owner.HandleAsync(envelope));
    }
}
