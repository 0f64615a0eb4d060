namespace Shoal;

/// <summary>A topic that does not exist was named.</summary>
public sealed class TopicNotFoundException : ShoalException
{
    /// <summary>Creates the exception naming <paramref name="topic"/>.</summary>
    public TopicNotFoundException(string topic) : base($"Topic '{topic}' does not exist.") => Topic = topic;

    /// <summary>The topic that does not exist.</summary>
    public string Topic { get; }
}
