namespace TreasureHunt.Core.Costs;

/// <summary>What a store write wrote, for the cost record's split of <see cref="InvocationUsage.StoreWrites"/>.</summary>
public enum StoreWriteKind
{
    /// <summary>Item, leaderboard, definitions-registry and any other documents.</summary>
    Other,

    /// <summary>A user document (the per-user aggregate: one per user per batch in the pre-aggregated design).</summary>
    User,

    /// <summary>A partition's progress document, live or shadow (one per batch at most).</summary>
    Progress,
}
