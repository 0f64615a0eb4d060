using System.Diagnostics;
using HdrHistogram;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// The latency bench's three HdrHistograms, one path for every receiver (Shoal's handler, the raw channel's reader):
/// each received event records, as <see cref="Stopwatch"/> timestamps of this process, the time since its slot, since
/// the send call that carried it, and that call's lag behind the slot.
/// </summary>
internal sealed class LatencyRecorder
{
    /// <summary>Largest latency recorded exactly (µs); anything beyond is recorded as this.</summary>
    private const long HighestMicros = 60L * 60 * 1_000_000;

    private readonly LongConcurrentHistogram _fromSlot = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _fromSend = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _sendLag = new(1, HighestMicros, 3);

    public LatencyPercentiles FromSlot => Percentiles(_fromSlot);

    public LatencyPercentiles FromSend => Percentiles(_fromSend);

    public LatencyPercentiles SendLag => Percentiles(_sendLag);

    /// <summary>Records one event received at <paramref name="now"/>.</summary>
    public void Record(long slot, long sent, long now)
    {
        _fromSlot.RecordValue(Micros(now - slot));
        _fromSend.RecordValue(Micros(now - sent));
        _sendLag.RecordValue(Micros(sent - slot));
    }

    private static long Micros(long stopwatchTicks) =>
        Math.Clamp((long)(stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency), 1, HighestMicros);

    private static LatencyPercentiles Percentiles(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencyPercentiles(0, 0, 0, 0, 0)
        : new LatencyPercentiles(
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}
