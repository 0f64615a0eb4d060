using System.Text.Json;
using Shoal.Cluster.Autoscaling;
using Shoal.Engine;

namespace Shoal.Cli.Verbs;

/// <summary>
/// The autoscaling policy's answer for each group in <c>shoal status</c>: an <see cref="Autoscaler"/> samples the group
/// twice, <c>--sample</c> apart (rates need two samples), and decides for the live members. Status has no history, so
/// the policy runs without stabilization windows or cooldown: the answer is what the policy recommends for the group
/// now (within the tolerance band, 1 to the partition count), the number a supervisor would move to once its windows
/// agree.
/// </summary>
internal static class StatusAutoscale
{
    public static async Task<StatusReport> AddAsync(IShoalEngine engine, StatusReport report, TimeSpan sample, TimeProvider time, CancellationToken cancellationToken)
    {
        var scalers = new List<(int Index, Autoscaler Autoscaler)>();
        for (var i = 0; i < report.Groups.Count; i++)
        {
            var group = report.Groups[i];
            if (group.Topic is not null && group.Partitions.Count > 0)
            {
                var options = new AutoscaleOptions
                {
                    MinMembers = 1,
                    MaxMembers = group.Partitions.Count,
                    ScaleUpWindow = TimeSpan.Zero,
                    ScaleDownWindow = TimeSpan.Zero,
                    Cooldown = TimeSpan.Zero,
                };
                scalers.Add((i, new Autoscaler(new AutoscaleObserver(engine, group.Topic, group.Group, time), options)));
            }
        }

        if (scalers.Count == 0)
        {
            return report;
        }

        try
        {
            foreach (var (_, autoscaler) in scalers)
            {
                await autoscaler.EvaluateAsync(cancellationToken: cancellationToken);
            }

            await Task.Delay(sample, time, cancellationToken);
            var groups = report.Groups.ToList();
            foreach (var (index, autoscaler) in scalers)
            {
                var decision = await autoscaler.EvaluateAsync(cancellationToken: cancellationToken);
                var taken = autoscaler.LastSample!;
                groups[index] = groups[index] with
                {
                    Autoscale = new AutoscaleStatus
                    {
                        DesiredMembers = decision.DesiredMembers,
                        LiveMembers = taken.LiveMembers,
                        Reason = JsonNamingPolicy.CamelCase.ConvertName(decision.Reason.ToString()),
                        Lag = decision.Lag,
                        ArrivalRate = Math.Round(taken.ArrivalRate, 1),
                        ProcessedRate = Math.Round(taken.ProcessedRate, 1),
                        PerMemberRate = Math.Round(taken.ProcessingRatePerMember, 1),
                        SampledMs = (long)sample.TotalMilliseconds,
                    },
                };
            }

            return report with { Groups = groups };
        }
        catch (TopicNotFoundException)
        {
            // A topic deleted between the two reads: show the rest without the autoscaler's answer.
            return report;
        }
    }
}

/// <summary>The autoscaling policy's answer for a group in <c>shoal status</c>.</summary>
internal sealed record AutoscaleStatus
{
    /// <summary>Members the policy recommends now (unstabilized; 1 to the partition count).</summary>
    public int DesiredMembers { get; init; }

    /// <summary>Members whose heartbeat is within the session TTL.</summary>
    public int LiveMembers { get; init; }

    /// <summary>camelCase <c>AutoscaleReason</c>, e.g. scaleUp, steady, noThroughputEstimate.</summary>
    public required string Reason { get; init; }

    public long Lag { get; init; }

    /// <summary>Events/s appended and committed between the two samples.</summary>
    public double ArrivalRate { get; init; }

    public double ProcessedRate { get; init; }

    /// <summary>Events/s one member handles when busy (0 when the group was not saturated between the samples: no estimate).</summary>
    public double PerMemberRate { get; init; }

    /// <summary>Time between the two samples.</summary>
    public long SampledMs { get; init; }
}
