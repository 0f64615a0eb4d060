namespace Shoal;

/// <summary>The engine (a server, a store) could not be reached or failed; the message names it and the cause.</summary>
public sealed class EngineException : ShoalException
{
    /// <summary>Creates the exception; <paramref name="isTransient"/> says whether retrying may succeed (<see cref="IsTransient"/>).</summary>
    public EngineException(string message, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException) => IsTransient = isTransient;

    /// <summary>
    /// True when the engine judged the failure temporary — a timeout, a server restarting, a leader election — so the
    /// same call may succeed if retried later (with the same event ids, for appends). False when retrying will not
    /// help (refused credentials, a feature the servers do not offer, damaged data) or the engine cannot tell.
    /// </summary>
    public bool IsTransient { get; }
}
