namespace Shoal;

/// <summary>A topic that does not exist was named.</summary>
public sealed class TopicNotFoundException : ShoalException
{
    public TopicNotFoundException(string topic) : base($"Topic '{topic}' does not exist.") => Topic = topic;

    public string Topic { get; }
}
