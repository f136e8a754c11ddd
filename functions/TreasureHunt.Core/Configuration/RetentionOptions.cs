namespace TreasureHunt.Core.Configuration;

/// <summary>How long cost-ledger rows, dead letters and idle users are kept, bound from the configuration section <c>Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Rows of hours that ended more than this many days ago are deleted.</summary>
    [SettingRange(1, 3650, ErrorMessage = $"{Section}:Days must be 1..3650.")]
    public int Days { get; set; } = 30;

    /// <summary>How often the local host sweeps (the Functions app's timer runs hourly, <c>RetentionFunction.Schedule</c>).</summary>
    [SettingRange(1, 1440, ErrorMessage = $"{Section}:IntervalMinutes must be 1..1440.")]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>
    /// A user document nobody has written for this many days is deleted by Cosmos DB's time to live (the users
    /// containers' <c>defaultTtl</c>, counted from each document's last write); 0 keeps users for ever.
    /// </summary>
    [SettingRange(0, 3650, ErrorMessage = $"{Section}:IdleUserDays must be 0 (keep for ever) or 1..3650.")]
    public int IdleUserDays { get; set; }

    /// <summary>
    /// How long a partition's progress remembers an erased user (<see cref="Erasure.ErasureTombstone"/>). It must be
    /// at least the event stream's retention (Event Hubs: 1 day here, at most 7 Standard, 90 Premium/Dedicated): a
    /// redelivery comes from the stream. Histories read in order (Capture, the local event log) carry the erase
    /// control message itself after the user's older events, and the erasure deletes the parked rows, so nothing
    /// older can come back once the stream has dropped it. 1..3650, default 30.
    /// </summary>
    [SettingRange(1, 3650, ErrorMessage = $"{Section}:ErasureTombstoneDays must be 1..3650.")]
    public int ErasureTombstoneDays { get; set; } = 30;

    /// <summary>
    /// How often the local host runs the erasure cleanup (the parked rows and dead letters of applied erasures; the
    /// Functions app's <c>CleanErasures</c> timer runs every 30 s). An erasure's physical cleanup is done within this
    /// interval plus one cleanup run after it is applied; until then the routes leave those rows out. 1..3600, default 30.
    /// </summary>
    [SettingRange(1, 3600, ErrorMessage = $"{Section}:ErasureCleanupSeconds must be 1..3600.")]
    public int ErasureCleanupSeconds { get; set; } = 30;

    /// <summary>The users containers' <c>defaultTtl</c> in seconds, or null when idle users are kept.</summary>
    public int? IdleUserSeconds => IdleUserDays > 0 ? IdleUserDays * 86_400 : null;
}
