namespace Shoal;

/// <summary>What happens to a key once one of its events is dead-lettered.</summary>
public enum PoisonKeyPolicy
{
    /// <summary>
    /// Strict order: the key is parked. Its later events are not handled; they go to the dead-letter topic in
    /// order, marked as parked, until an operator releases the key. Other keys never wait.
    /// </summary>
    Park,

    /// <summary>The poison event is dead-lettered and the key's later events are handled as usual.</summary>
    Skip,
}
