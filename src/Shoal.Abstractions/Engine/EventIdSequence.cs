using System.Globalization;

namespace Shoal.Engine;

/// <summary>
/// A source of generated event ids: <c>{prefix}-{n}</c>, both parts as 16 lowercase hex digits (33 characters), n
/// counting up from 1. An envelope created with one (<see cref="EventEnvelope(EventIdSequence, string, string?, string, ReadOnlyMemory{byte})"/>)
/// keeps its id as the sequence and the number, and formats the string only when <see cref="EventEnvelope.Id"/> is
/// read: an event whose id nobody reads costs no id string, in the publisher or in the log that keeps it.
/// </summary>
/// <remarks>Thread-safe: concurrent publishers draw distinct numbers.</remarks>
public sealed class EventIdSequence
{
    /// <summary>The length of every id of a sequence.</summary>
    internal const int IdLength = 33;

    private readonly string _prefix;
    private long _last;

    /// <summary>Creates a sequence whose ids start with <paramref name="prefix"/> as 16 hex digits.</summary>
    /// <param name="prefix">The part shared by all ids of this sequence; unique per publisher (random, mixed with the start time).</param>
    public EventIdSequence(long prefix) => _prefix = prefix.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Two ids, each a string or a sequence and its number, compared by their text.</summary>
    internal static bool TextEquals(object? a, long aNumber, object? b, long bNumber)
    {
        if (a is EventIdSequence sequence && ReferenceEquals(sequence, b))
        {
            return aNumber == bNumber;
        }

        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        Span<char> left = stackalloc char[IdLength];
        Span<char> right = stackalloc char[IdLength];
        return Text(a, aNumber, left).SequenceEqual(Text(b, bNumber, right));
    }

    /// <summary>The hash of an id's text, equal to <see cref="string.GetHashCode()"/> of its string.</summary>
    internal static int TextHashCode(object? id, long number)
    {
        if (id is null)
        {
            return 0;
        }

        Span<char> buffer = stackalloc char[IdLength];
        return string.GetHashCode(Text(id, number, buffer));
    }

    /// <summary>An id as text: the string itself, or the sequence's id formatted into <paramref name="buffer"/>.</summary>
    internal static ReadOnlySpan<char> Text(object id, long number, Span<char> buffer) =>
        id as string ?? (ReadOnlySpan<char>)((EventIdSequence)id).Write(number, buffer);

    /// <summary>The next number of the sequence.</summary>
    internal long Next() => Interlocked.Increment(ref _last);

    /// <summary>The id with number <paramref name="number"/> as a string.</summary>
    internal string Format(long number) =>
        string.Create(IdLength, (this, number), static (span, state) => state.Item1.Write(state.number, span));

    private Span<char> Write(long number, Span<char> destination)
    {
        _prefix.AsSpan().CopyTo(destination);
        destination[16] = '-';
        number.TryFormat(destination[17..], out _, "x16", CultureInfo.InvariantCulture);
        return destination[..IdLength];
    }
}
