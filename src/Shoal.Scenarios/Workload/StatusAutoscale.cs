using System.Text.Json;
using Shoal.Cluster;
using Shoal.Cluster.Autoscaling;
using Shoal.Engine;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// The autoscaling policy's answer for each group in <c>shoal status</c>: an <see cref="Autoscaler"/> samples the group
/// twice, <c>--sample</c> apart (rates need two samples), and decides for the live members. Status has no history, so
/// the policy runs without stabilization windows or cooldown: the answer is what the policy recommends for the group
/// now (within the tolerance band, 1 to the partition count), the number a supervisor would move to once its windows
/// agree.
/// </summary>
public static class StatusAutoscale
{
    /// <summary>The policy's answer for every (group, topic) of <paramref name="groups"/> that has partitions.</summary>
    public static async Task<IReadOnlyDictionary<(string Group, string Topic), AutoscaleStatus>> ReadAsync(
        IShoalEngine engine, IReadOnlyList<GroupStatus> groups, TimeSpan sample, TimeProvider time, CancellationToken cancellationToken)
    {
        var scalers = new List<((string Group, string Topic) Key, Autoscaler Autoscaler)>();
        foreach (var group in groups)
        {
            foreach (var topic in group.Topics.Where(t => t.Partitions.Count > 0))
            {
                var options = new AutoscaleOptions
                {
                    MinMembers = 1,
                    MaxMembers = topic.Partitions.Count,
                    ScaleUpWindow = TimeSpan.Zero,
                    ScaleDownWindow = TimeSpan.Zero,
                    Cooldown = TimeSpan.Zero,
                };
                scalers.Add(((group.Group, topic.Topic), new Autoscaler(new AutoscaleObserver(engine, topic.Topic, group.Group, time), options)));
            }
        }

        var answers = new Dictionary<(string Group, string Topic), AutoscaleStatus>();
        if (scalers.Count == 0)
        {
            return answers;
        }

        try
        {
            foreach (var (_, autoscaler) in scalers)
            {
                await autoscaler.EvaluateAsync(cancellationToken: cancellationToken);
            }

            await Task.Delay(sample, time, cancellationToken);
            foreach (var (key, autoscaler) in scalers)
            {
                var decision = await autoscaler.EvaluateAsync(cancellationToken: cancellationToken);
                var taken = autoscaler.LastSample!;
                answers[key] = new AutoscaleStatus
                {
                    DesiredMembers = decision.DesiredMembers,
                    LiveMembers = taken.LiveMembers,
                    Reason = JsonNamingPolicy.CamelCase.ConvertName(decision.Reason.ToString()),
                    Lag = decision.Lag,
                    ArrivalRate = Math.Round(taken.ArrivalRate, 1),
                    ProcessedRate = Math.Round(taken.ProcessedRate, 1),
                    PerMemberRate = Math.Round(taken.ProcessingRatePerMember, 1),
                    SampledMs = (long)sample.TotalMilliseconds,
                };
            }

            return answers;
        }
        catch (TopicNotFoundException)
        {
            // A topic deleted between the two reads: show the rest without the autoscaler's answer.
            return new Dictionary<(string Group, string Topic), AutoscaleStatus>();
        }
    }
}
