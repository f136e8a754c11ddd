namespace TreasureHunt.Tools.Load;

/// <summary>The two kinds of synthetic traffic: every event of an independent Zipf user, or users in sessions.</summary>
internal enum LoadWorkload
{
    /// <summary>Each event picks its user independently (Zipf): a user's events are spread uniformly over the run.</summary>
    Uniform,

    /// <summary>Users come in sessions (<see cref="SessionSchedule"/>).</summary>
    Sessions,
}

/// <summary>
/// Parameters of the sessionized workload (<see cref="SessionSchedule"/>): the nominal event rate R of the product
/// the traffic comes from, the mean gap between a session's consecutive events, and the session length range.
/// </summary>
internal sealed record SessionProfile(double NominalRate = 10_000, double MeanGapMs = 4_000, int MinEvents = 10, int MaxEvents = 50)
{
    /// <summary>Most concurrent sessions allowed (R × mean gap): bounds the schedule's memory (~40 bytes a session).</summary>
    public const double MaxConcurrentSessions = 10_000_000;

    public double MeanEvents => (MinEvents + MaxEvents) / 2.0;

    /// <summary>Sessions in progress at any moment, in the steady state: R·g·(E[L] − 1)/E[L] ≈ R·g.</summary>
    public double ConcurrentSessions => NominalRate * MeanGapMs / 1000 * (MeanEvents - 1) / MeanEvents;

    /// <summary>A one-line description (the bench JSON and console).</summary>
    public string Describe() => FormattableString.Invariant(
        $"sessions: Poisson starts at R/E[L] = {NominalRate / MeanEvents:N1}/s in virtual time (R = {NominalRate:N0} events/s), Zipf user, length uniform {MinEvents}..{MaxEvents} events, exponential gaps of mean {MeanGapMs:N0} ms; ~{ConcurrentSessions:N0} concurrent sessions");

    /// <summary>Null when valid, else the error (names the CLI options).</summary>
    public string? Validate() =>
        !(double.IsFinite(NominalRate) && NominalRate > 0) ? $"--nominal-rate must be > 0 events/s (got {NominalRate})."
        : !(double.IsFinite(MeanGapMs) && MeanGapMs > 0) ? $"--session-gap-ms must be > 0 (got {MeanGapMs})."
        : MinEvents < 1 ? $"--session-events: the minimum must be >= 1 (got {MinEvents})."
        : MaxEvents < MinEvents ? $"--session-events: the maximum must be >= the minimum (got {MinEvents}..{MaxEvents})."
        : MaxEvents > 100_000 ? $"--session-events: the maximum must be <= 100000 (got {MaxEvents})."
        : NominalRate * MeanGapMs / 1000 > MaxConcurrentSessions
            ? $"--nominal-rate × --session-gap-ms gives {NominalRate * MeanGapMs / 1000:N0} concurrent sessions; at most {MaxConcurrentSessions:N0} are allowed."
        : null;

    /// <summary>Parses "MIN..MAX" (e.g. 10..50) of --session-events.</summary>
    public static bool TryParseRange(string text, out int min, out int max)
    {
        min = max = 0;
        var parts = text.Split("..", 2);
        return parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out min)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out max);
    }
}

/// <summary>
/// Who does the next event in sessionized traffic: Zipf users in sessions of 10–50 events with exponential gaps,
/// started as a Poisson process at the nominal rate and begun in the steady state; deterministic per seed.
/// Model and steady-state construction: docs/internals.md#session-schedule.
/// </summary>
internal sealed class SessionSchedule
{
    private readonly SessionProfile _profile;
    private readonly ZipfSampler _users;
    private readonly Random _random;
    private readonly PriorityQueue<(int User, int Remaining), double> _active = new();
    private readonly double _meanGapSeconds;
    private readonly double _meanStartInterval;
    private double _nextStart;

    public SessionSchedule(SessionProfile profile, ZipfSampler users, int seed)
    {
        if (profile.Validate() is { } error) throw new ArgumentException(error, nameof(profile));
        _profile = profile;
        _users = users;
        _random = new Random(unchecked(seed * 31 + 17));
        _meanGapSeconds = profile.MeanGapMs / 1000;
        _meanStartInterval = profile.MeanEvents / profile.NominalRate;
        var active = (int)Math.Round(profile.ConcurrentSessions);
        // Weight L − 1 over [min, max]: cumulative table (at most 100,000 entries, only while building).
        var lengths = profile.MaxEvents - profile.MinEvents + 1;
        var cumulative = new double[lengths];
        double total = 0;
        for (var i = 0; i < lengths; i++) cumulative[i] = total += profile.MinEvents + i - 1;
        for (var n = 0; n < active && total > 0; n++)
        {
            var index = Array.BinarySearch(cumulative, _random.NextDouble() * total);
            var length = profile.MinEvents + Math.Min(index < 0 ? ~index : index, lengths - 1);
            if (length < 2) continue;
            _active.Enqueue((_users.Next(_random), 1 + _random.Next(length - 1)), Exponential(_meanGapSeconds));
        }
        _nextStart = Exponential(_meanStartInterval);
    }

    /// <summary>Sessions in progress (the queue's size: the schedule's memory).</summary>
    public int ActiveSessions => _active.Count;

    /// <summary>Virtual time (seconds) of the last event handed out.</summary>
    public double VirtualSeconds { get; private set; }

    /// <summary>The user (rank) of the next event in virtual-time order.</summary>
    public int NextUser()
    {
        // A session starting before the earliest active session's next event goes first; its first event is at its start.
        if (!_active.TryPeek(out _, out var next) || _nextStart <= next)
        {
            var start = _nextStart;
            _nextStart += Exponential(_meanStartInterval);
            var length = _profile.MinEvents + _random.Next(_profile.MaxEvents - _profile.MinEvents + 1);
            var user = _users.Next(_random);
            if (length > 1) _active.Enqueue((user, length - 1), start + Exponential(_meanGapSeconds));
            VirtualSeconds = start;
            return user;
        }
        var (u, remaining) = _active.Dequeue();
        VirtualSeconds = next;
        if (remaining > 1) _active.Enqueue((u, remaining - 1), next + Exponential(_meanGapSeconds));
        return u;
    }

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());
}
