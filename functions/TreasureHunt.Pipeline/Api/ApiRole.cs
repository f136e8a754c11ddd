namespace TreasureHunt.Pipeline.Api;

/// <summary>Who may call a route. Roles are disjoint: a caller holds each one it needs (an operator key does not read profiles).</summary>
public enum ApiRole
{
    /// <summary>No credentials (liveness).</summary>
    Anonymous,

    /// <summary>Profiles, features, groups, leaderboards, totals, costs, definitions versions, readiness (app role TreasureHunt.Read).</summary>
    Reader,

    /// <summary>Parked messages and replay, dead letters, erasure, metrics reset (app role TreasureHunt.Operate).</summary>
    Operator,

    /// <summary>POST /api/events, the local host's ingest (in Azure producers send to Event Hubs).</summary>
    Ingest,
}
