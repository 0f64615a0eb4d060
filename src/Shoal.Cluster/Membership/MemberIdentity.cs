namespace Shoal.Cluster;

/// <summary>Who a member is and the static parts of its record.</summary>
/// <param name="Group">The group it belongs to (a valid name).</param>
/// <param name="MemberId">Its id (a valid name); keep it stable across restarts for static membership.</param>
/// <param name="Weight">Its full (Healthy) weight; health lowers what is published. Default 1.</param>
/// <param name="Capacity">Its in-flight limit, or 0 when not stated.</param>
/// <param name="Address">Where it can be reached, or null.</param>
/// <param name="Assignor">The assignor it is configured with, published in its record (the live member with the lowest id decides), or null.</param>
internal sealed record MemberIdentity(string Group, string MemberId, double Weight = 1, int Capacity = 0, string? Address = null, AssignorKind? Assignor = null)
{
    public void Validate()
    {
        NameRules.Validate("MemberIdentity.Group", Group);
        NameRules.Validate("MemberIdentity.MemberId", MemberId);
        if (!double.IsFinite(Weight) || Weight < 0)
        {
            throw new ShoalConfigurationException("MemberIdentity.Weight", $"must be a finite number ≥ 0; was {Weight}.");
        }

        OptionChecks.Range("MemberIdentity.Capacity", Capacity, 0, int.MaxValue);
    }
}

/// <summary>What the member's runtime reports each heartbeat: the health inputs and its load.</summary>
internal readonly record struct MemberSample(HealthSample Health, MemberLoad Load);

/// <summary>Where a <see cref="MemberHeartbeat"/> stands.</summary>
internal enum HeartbeatState
{
    /// <summary>Not started yet.</summary>
    NotStarted,

    /// <summary>Its record is in the store and (as far as it knows) live.</summary>
    Registered,

    /// <summary>Its last writes failed and the record may have expired; it keeps retrying every beat.</summary>
    Unregistered,

    /// <summary>Another incarnation with the same member id took the record over; this instance stopped heartbeating for good.</summary>
    Fenced,

    /// <summary>Stopped (record deleted on a graceful stop, or left to expire when abandoned).</summary>
    Stopped,
}
