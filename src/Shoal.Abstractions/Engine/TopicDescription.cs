namespace Shoal.Engine;

/// <summary>What a topic is: its options as stored by the engine.</summary>
public sealed record TopicDescription(string Name, int Partitions, TopicOptions Options);
