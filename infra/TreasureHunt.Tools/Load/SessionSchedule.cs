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
/// Who does the next event in sessionized traffic. The model (docs/BENCHMARKS.md, "Workloads"):
/// <list type="bullet">
/// <item>sessions start as a Poisson process in <i>virtual event time</i> at rate R / E[L], so that events arrive
/// at the nominal rate R (events/s) — the paced rate when the run is paced, else --nominal-rate: the unthrottled
/// phase replays the traffic of a product at R events/s as fast as the pipeline takes it;</item>
/// <item>each session's user is drawn Zipf from the population (returning users: a popular user has many sessions);</item>
/// <item>a session has L events, L uniform in [min, max] (default 10..50: "a user does 10–50 things in a few minutes");</item>
/// <item>the gaps between a session's consecutive events are exponential with mean g (default 4 s: a 30-event session
/// lasts ~2 minutes);</item>
/// <item>events come out in virtual-time order: a priority queue of the active sessions keyed by their next event's
/// time. It holds the concurrent sessions, R·g·(E[L] − 1)/E[L] ≈ R·g in the steady state (≈ 38,700 at R = 10,000/s,
/// g = 4 s, E[L] = 30; ~40 bytes each, ~1.5 MB).</item>
/// </list>
/// The schedule starts in that steady state rather than empty (an empty start would give a short run fewer, younger
/// sessions, i.e. more coalescing than real traffic). The steady state is built directly: a session of length L
/// started at −a is still active at 0 with k events done iff a Poisson process of rate 1/g had k − 1 arrivals by a,
/// whose expected time is g for every k; so the active sessions are spread evenly over the cells (L, k), 1 ≤ k &lt; L,
/// i.e. L is drawn with weight L − 1 and the events left, L − k, uniform in 1..L − 1; by memorylessness each one's
/// next event is Exp(g) away. Their count is the steady-state mean above, rounded.
/// Deterministic per seed; it draws from its own <see cref="Random"/>, so the item, type, duplicate and bad-message
/// draws are the generator's as in the uniform workload.
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
