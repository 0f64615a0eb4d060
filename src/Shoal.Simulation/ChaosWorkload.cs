namespace Shoal.Simulation;

/// <summary>What is published and how handlers behave: keys with per-key sequences, a few poison events, slow and failing handlers.</summary>
internal sealed class ChaosWorkload
{
    private readonly HashSet<(string Key, int Seq)> _poison = [];

    public ChaosWorkload(ChaosSettings settings, Random random)
    {
        Keys = [.. Enumerable.Range(0, settings.Keys).Select(k => $"k{k}")];
        var perKey = new int[settings.Keys];
        var order = new List<ChaosEvent>(settings.Events);
        for (var i = 0; i < settings.Events; i++)
        {
            var k = random.Next(settings.Keys);
            order.Add(new ChaosEvent(Keys[k], perKey[k]++));
        }

        Events = order;
        var poison = random.Next(0, 4);
        for (var i = 0; i < poison; i++)
        {
            var e = order[random.Next(order.Count)];
            _poison.Add((e.Key, e.Seq));
        }

        HandlerFailureRate = random.NextDouble() * 0.05;
        MaxHandlerTime = TimeSpan.FromMilliseconds(1 + random.Next(30));
    }

    public IReadOnlyList<string> Keys { get; }

    /// <summary>Every event, in publish order.</summary>
    public IReadOnlyList<ChaosEvent> Events { get; }

    public double HandlerFailureRate { get; }

    public TimeSpan MaxHandlerTime { get; }

    public bool IsPoison(ChaosEvent @event) => _poison.Contains((@event.Key, @event.Seq));

    public int PoisonCount => _poison.Count;

    public TimeSpan HandlerTime(Random random, bool slow)
    {
        var ms = random.NextDouble() * MaxHandlerTime.TotalMilliseconds;
        return TimeSpan.FromMilliseconds(slow ? ms * 20 : ms);
    }
}
