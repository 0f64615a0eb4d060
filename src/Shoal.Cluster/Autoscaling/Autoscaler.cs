using Shoal.Cluster.Diagnostics;

namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// An observer and a policy together: each <see cref="EvaluateAsync"/> samples the engine, decides, and publishes the
/// decision on the <c>Shoal</c> meter (<c>shoal.autoscale.desired_members</c>, tagged with group and topic) for HPA/KEDA
/// or a dashboard. What to do with the decision is the caller's: <c>shoal supervise</c> starts and stops workers,
/// <c>shoal status</c> shows it, a Kubernetes deployment lets HPA read the metric.
/// </summary>
public sealed class Autoscaler
{
    private readonly AutoscaleObserver _observer;
    private readonly AutoscalePolicy _policy;
    private readonly KeyValuePair<string, object?>[] _tags;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> when the options are invalid.</summary>
    public Autoscaler(AutoscaleObserver observer, AutoscaleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observer = observer;
        _policy = new AutoscalePolicy(options);
        _tags = [new("shoal.group", observer.Group), new("shoal.topic", observer.Topic)];
    }

    /// <summary>The latest sample, or null before the first evaluation.</summary>
    public AutoscaleSample? LastSample { get; private set; }

    /// <summary>The latest decision, or null before the first evaluation.</summary>
    public AutoscaleDecision? LastDecision { get; private set; }

    /// <summary>
    /// Samples and decides. <paramref name="currentMembers"/> is the count the caller has asked for (a supervisor); null
    /// uses the live members the observer sees.
    /// </summary>
    public async ValueTask<AutoscaleDecision> EvaluateAsync(int? currentMembers = null, CancellationToken cancellationToken = default)
    {
        var sample = await _observer.SampleAsync(cancellationToken);
        var decision = _policy.Decide(sample.ToInput(currentMembers));
        LastSample = sample;
        LastDecision = decision;
        ClusterTelemetry.DesiredMembers.Record(decision.DesiredMembers, _tags);
        ClusterTelemetry.RecommendedMembers.Record(decision.Recommendation, _tags);
        ClusterTelemetry.Lag.Record(decision.Lag, _tags);
        return decision;
    }
}
