namespace TreasureHunt.Core.Costs;

/// <summary>
/// What the current invocation consumed: Cosmos RU, store writes, table operations, entity signals, events.
/// Ambient (flows with the async context) so that stores deep in a call add to it without every signature
/// carrying it; the FinOps middleware (or the local host) opens a scope per invocation and prices it. Thread-safe.
/// </summary>
public sealed class InvocationUsage
{
    private static readonly AsyncLocal<InvocationUsage?> Ambient = new();
    private readonly Lock _lock = new();
    private double _ru, _chargedRu;
    private long _events, _storeWrites, _userWrites, _progressWrites, _storeReads, _tableOps, _entitySignals;
    private bool _ruEstimated;
    private Dictionary<string, FeatureCost>? _features;

    public static InvocationUsage? Current => Ambient.Value;

    /// <summary>Makes a new usage the current one until the returned scope is disposed.</summary>
    public static Scope Begin(out InvocationUsage usage)
    {
        usage = new InvocationUsage();
        var previous = Ambient.Value;
        Ambient.Value = usage;
        return new Scope(previous);
    }

    /// <summary>The RU figure used for cost: the estimate where estimating, else what the service charged.</summary>
    public double RequestUnits { get { lock (_lock) return _ru; } }

    /// <summary>What the service reported as RequestCharge (the local emulator: a flat 1 per call).</summary>
    public double ChargedRequestUnits { get { lock (_lock) return _chargedRu; } }

    public bool RequestUnitsEstimated { get { lock (_lock) return _ruEstimated; } }
    public long Events => Interlocked.Read(ref _events);
    public long StoreWrites => Interlocked.Read(ref _storeWrites);
    /// <summary>The store writes that wrote a user document (part of <see cref="StoreWrites"/>).</summary>
    public long UserWrites => Interlocked.Read(ref _userWrites);
    /// <summary>The store writes that wrote a partition's progress document (live or shadow; part of <see cref="StoreWrites"/>).</summary>
    public long ProgressWrites => Interlocked.Read(ref _progressWrites);
    public long StoreReads => Interlocked.Read(ref _storeReads);
    public long TableOperations => Interlocked.Read(ref _tableOps);
    public long EntitySignals => Interlocked.Read(ref _entitySignals);

    /// <param name="charged">The response's RequestCharge.</param>
    /// <param name="estimated">The size-based estimate, when the store estimates (emulator); null otherwise.</param>
    public void AddRequestUnits(double charged, double? estimated)
    {
        lock (_lock)
        {
            _chargedRu += charged;
            _ru += estimated ?? charged;
            _ruEstimated |= estimated.HasValue;
        }
    }

    /// <summary>Attributes part of a user document write (its bytes and their share of the write's estimated RU) to a feature.</summary>
    public void AddFeatureWrite(string feature, long bytes, double requestUnits)
    {
        lock (_lock)
        {
            _features ??= new Dictionary<string, FeatureCost>(StringComparer.Ordinal);
            var current = _features.GetValueOrDefault(feature);
            _features[feature] = new FeatureCost(current.Writes + 1, current.Bytes + bytes, current.RequestUnits + requestUnits);
        }
    }

    /// <summary>Per feature (and <c>delivery</c>, <c>document</c> for the rest): what the user document writes of this invocation cost.</summary>
    public IReadOnlyDictionary<string, FeatureCost>? FeatureCosts
    {
        get { lock (_lock) return _features is null ? null : new Dictionary<string, FeatureCost>(_features, StringComparer.Ordinal); }
    }

    public void AddEvents(long count) => Interlocked.Add(ref _events, count);
    /// <summary>One store write, of the kind of document it wrote (the split the throughput targets need: user writes per
    /// event against the floor, progress writes per batch; the rest are item, leaderboard and registry writes).</summary>
    public void AddStoreWrite(StoreWriteKind kind = StoreWriteKind.Other)
    {
        Interlocked.Increment(ref _storeWrites);
        if (kind == StoreWriteKind.User) Interlocked.Increment(ref _userWrites);
        else if (kind == StoreWriteKind.Progress) Interlocked.Increment(ref _progressWrites);
    }
    public void AddStoreRead() => Interlocked.Increment(ref _storeReads);
    public void AddTableOperations(long count) => Interlocked.Add(ref _tableOps, count);
    public void AddEntitySignals(long count) => Interlocked.Add(ref _entitySignals, count);

    public readonly struct Scope(InvocationUsage? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
