using Shoal.Engine;

namespace Shoal;

/// <summary>Where an event went.</summary>
public readonly record struct PublishResult
{
    // The id: a string, or the EventIdSequence it came from with its number in _idNumber (formatted on each read of Id).
    private readonly object? _id;
    private readonly long _idNumber;

    /// <summary>Creates a result (parameter names as in the positional record this type was, so named arguments keep working).</summary>
    /// <param name="Id">The event id (generated or given).</param>
    /// <param name="Partition">The partition.</param>
    /// <param name="Offset">The offset (for a duplicate, the original's offset, or -1 if no longer known).</param>
    /// <param name="Duplicate">True when the id was already published within the de-duplication window and nothing was stored.</param>
    public PublishResult(string Id, int Partition, long Offset, bool Duplicate)
    {
        _id = Id;
        this.Partition = Partition;
        this.Offset = Offset;
        this.Duplicate = Duplicate;
    }

    /// <summary>Creates the result of appending <paramref name="envelope"/>, keeping a generated id unformatted until <see cref="Id"/> is read.</summary>
    /// <param name="envelope">The event as appended; its id is the result's.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset (for a duplicate, the original's offset, or -1 if no longer known).</param>
    /// <param name="duplicate">True when the id was already published within the de-duplication window and nothing was stored.</param>
    public PublishResult(in EventEnvelope envelope, int partition, long offset, bool duplicate)
    {
        (_id, _idNumber) = envelope.IdParts;
        Partition = partition;
        Offset = offset;
        Duplicate = duplicate;
    }

    /// <summary>The event id (generated or given).</summary>
    /// <remarks>A generated id is formatted on each read; read it once per use.</remarks>
    public string Id
    {
        get => _id as string ?? (_id is EventIdSequence ids ? ids.Format(_idNumber) : null!);
        init
        {
            _id = value;
            _idNumber = 0;
        }
    }

    /// <summary>The partition.</summary>
    public int Partition { get; init; }

    /// <summary>The offset (for a duplicate, the original's offset, or -1 if no longer known).</summary>
    public long Offset { get; init; }

    /// <summary>True when the id was already published within the de-duplication window and nothing was stored.</summary>
    public bool Duplicate { get; init; }

    /// <summary>Splits the result into its parts.</summary>
    public void Deconstruct(out string Id, out int Partition, out long Offset, out bool Duplicate)
    {
        Id = this.Id;
        Partition = this.Partition;
        Offset = this.Offset;
        Duplicate = this.Duplicate;
    }

    /// <summary>Field-by-field equality; ids compare by their text, whether generated or given.</summary>
    public bool Equals(PublishResult other) =>
        EventIdSequence.TextEquals(_id, _idNumber, other._id, other._idNumber)
        && Partition == other.Partition && Offset == other.Offset && Duplicate == other.Duplicate;

    /// <inheritdoc/>
    /// <remarks>Combined as the compiler does for a record (not <see cref="HashCode"/>, whose seed changes per process).</remarks>
    public override int GetHashCode() => unchecked(
        (((EventIdSequence.TextHashCode(_id, _idNumber) * -1521134295) + Partition.GetHashCode()) * -1521134295
        + Offset.GetHashCode()) * -1521134295 + Duplicate.GetHashCode());
}
