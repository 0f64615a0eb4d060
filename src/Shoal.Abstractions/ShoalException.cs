namespace Shoal;

/// <summary>The root of every exception Shoal throws.</summary>
public class ShoalException : Exception
{
    public ShoalException(string message) : base(message) { }

    public ShoalException(string message, Exception? innerException) : base(message, innerException) { }
}
