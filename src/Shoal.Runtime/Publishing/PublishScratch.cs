using System.Buffers;
using Shoal.Engine;

namespace Shoal.Publishing;

/// <summary>
/// The working arrays of one batch publish, reused from batch to batch so a steady producer allocates only
/// its events' ids and results. Kept by the publisher rather than in <see cref="ArrayPool{T}.Shared"/>: envelope
/// arrays of a large batch exceed the large-object threshold, and the shared pool drops them at every full
/// collection, which made each batch allocate on the large-object heap again.
/// </summary>
internal sealed class PublishScratch
{
    public EventEnvelope[] Envelopes { get; private set; } = [];

    public EventEnvelope[] Sorted { get; private set; } = [];

    public int[] PartitionOf { get; private set; } = [];

    public int[] Order { get; private set; } = [];

    public int[] Ends { get; private set; } = [];

    public AppendedEvent[] Appended { get; private set; } = [];

    /// <summary>Each event's type name and content type, for a batch of several types.</summary>
    public (string Type, string ContentType)[] Kinds { get; private set; } = [];

    public int[] Starts { get; private set; } = [];

    public int[] Fill { get; private set; } = [];

    /// <summary>Appends started but not yet complete, one slot per partition.</summary>
    public ValueTask[] Pending { get; private set; } = [];

    public ArrayBufferWriter<byte> Payloads { get; } = new(4096);

    public void Prepare(int count, int partitions)
    {
        if (Envelopes.Length < count)
        {
            var size = (int)Math.Min(int.MaxValue, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count));
            Envelopes = new EventEnvelope[size];
            Sorted = new EventEnvelope[size];
            PartitionOf = new int[size];
            Order = new int[size];
            Ends = new int[size];
            Appended = new AppendedEvent[size];
            Kinds = new (string, string)[size];
        }

        if (Starts.Length < partitions + 1)
        {
            Starts = new int[partitions + 1];
            Fill = new int[partitions + 1];
            Pending = new ValueTask[partitions];
        }
    }

    public void Clear(int count)
    {
        // Drop references to the caller's events and ids so a spare scratch keeps nothing alive.
        Array.Clear(Envelopes, 0, Math.Min(count, Envelopes.Length));
        Array.Clear(Sorted, 0, Math.Min(count, Sorted.Length));
        Array.Clear(Kinds, 0, Math.Min(count, Kinds.Length));
        Array.Clear(Starts);
        Array.Clear(Pending);
        Payloads.ResetWrittenCount();
    }
}
