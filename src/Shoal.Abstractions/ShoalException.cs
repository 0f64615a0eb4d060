namespace Shoal;

/// <summary>The root of every exception Shoal throws.</summary>
public class ShoalException : Exception
{
    /// <summary>Creates the exception with a message that says what went wrong.</summary>
    public ShoalException(string message) : base(message) { }

    /// <summary>Creates the exception with a message that says what went wrong and the exception that caused it.</summary>
    public ShoalException(string message, Exception? innerException) : base(message, innerException) { }
}
