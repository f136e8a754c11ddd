using TreasureHunt.Tools.Load;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Benchmarks;

/// <summary>The benchmark's workloads (see <see cref="EventStream"/>).</summary>
public enum Workload
{
    /// <summary>Today's workload: 50,000 Zipf users, 36-character GUID event ids, 1,000 events/s on the partition.</summary>
    Zipf,

    /// <summary>One user sending 3,000 events/s with 128-character event ids: the partition carries only that user, so
    /// every batch is one user's 1,000 events and its duplicate memory sits at the cap (2,000 ids, 15-minute horizon).</summary>
    HotUser,
}

/// <summary>
/// A deterministic, realistic event stream of one Event Hubs partition, serialized to UTF-8 JSON up front. Common to
/// both workloads: items Zipf-distributed over 5,000 ids (s = 1.0), each item in one of 10 categories; type mix view
/// 70%, click 20%, share 4%, claim 5%, purchase 1% (purchases carry a price as value); event times 0–2 s before enqueue
/// (ingestion lag), so time advances in real-time order; about 0.2% of messages are producer retries (an earlier
/// eventId sent again a few messages later).
/// <see cref="Workload.Zipf"/>: users Zipf-distributed over 50,000 ids (s = 1.0), 36-character GUID event ids, enqueue
/// times 1 ms apart (1,000 events/s). <see cref="Workload.HotUser"/>: one user, 128-character event ids, enqueue times
/// 1/3 ms apart (3,000 events/s).
/// </summary>
public sealed class EventStream
{
    public const int HotUserEventIdLength = 128;

    public const int Users = 50_000;
    public const int Items = 5_000;
    public const double ZipfExponent = 1.0;
    public const string PartitionId = "0";

    public static readonly string[] Categories =
        ["caves", "ruins", "forest", "desert", "islands", "mountains", "castles", "mines", "shipwrecks", "temples"];

    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly Random _rng;
    private readonly ZipfSampler _users;
    private readonly ZipfSampler _items;
    private readonly string[] _userIds;
    private readonly string[] _itemIds;
    private readonly string[] _itemCategories;
    private readonly Queue<string> _recentEventIds = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Workload _workload;
    private readonly Random? _attributes;
    private long _sequence;

    /// <summary>The attribute values <paramref name="withAttributes"/> adds to every event (features/examples/attributes.json).</summary>
    public static readonly string[] Brands = Enumerable.Range(0, 50).Select(i => $"brand-{i:D2}").ToArray();

    public static readonly string[] Devices = ["app", "web", "tv"];

    /// <param name="withAttributes">Every event also carries the example's three attributes (<c>brand</c>, <c>device</c>,
    /// <c>quantity</c>), drawn from a generator of their own so the core fields are the same with or without them.</param>
    public EventStream(Workload workload = Workload.Zipf, int seed = 20261127, bool withAttributes = false)
    {
        _workload = workload;
        _rng = new Random(seed);
        _attributes = withAttributes ? new Random(seed + 1) : null;
        _users = new ZipfSampler(Users, ZipfExponent);
        _items = new ZipfSampler(Items, ZipfExponent);
        // Ranks are shuffled onto ids so that the hottest user is not "u-000001".
        _userIds = Shuffled(Users, i => $"u-{i:D6}");
        _itemIds = Shuffled(Items, i => $"t-{i:D5}");
        _itemCategories = Enumerable.Range(0, Items).Select(_ => Categories[_rng.Next(Categories.Length)]).ToArray();
    }

    /// <summary>The next <paramref name="count"/> batches of <paramref name="batchSize"/> messages each.</summary>
    public List<PartitionBatch> NextBatches(int count, int batchSize)
    {
        var batches = new List<PartitionBatch>(count);
        for (var b = 0; b < count; b++)
        {
            // All bodies of a batch share one array (as an Event Hubs client's receive buffer would), so the prepared
            // stream adds few objects to the heap the measured code's garbage collections have to deal with.
            var bodies = new List<(byte[] Body, long Sequence, DateTimeOffset Enqueued)>(batchSize);
            for (var i = 0; i < batchSize; i++)
            {
                bodies.Add(NextMessage());
            }
            var slab = new byte[bodies.Sum(b => b.Body.Length)];
            var messages = new RawMessage[batchSize];
            var offset = 0;
            for (var i = 0; i < batchSize; i++)
            {
                var (body, sequence, enqueued) = bodies[i];
                body.CopyTo(slab, offset);
                messages[i] = new RawMessage(slab.AsMemory(offset, body.Length), sequence, enqueued);
                offset += body.Length;
            }
            batches.Add(new PartitionBatch(PartitionId, messages));
        }
        return batches;
    }

    private (byte[] Body, long Sequence, DateTimeOffset Enqueued) NextMessage()
    {
        var sequence = ++_sequence;
        var enqueued = _workload == Workload.HotUser ? Start.AddTicks(sequence * TimeSpan.TicksPerMillisecond / 3) : Start.AddMilliseconds(sequence);
        var timestamp = enqueued.AddMilliseconds(-_rng.Next(2000));

        string eventId;
        if (_recentEventIds.Count >= 10 && _rng.Next(500) == 0)
        {
            eventId = _recentEventIds.ElementAt(_rng.Next(_recentEventIds.Count)); // a producer retry
        }
        else
        {
            Span<byte> bytes = stackalloc byte[16];
            _rng.NextBytes(bytes);
            eventId = new Guid(bytes).ToString();
            if (_workload == Workload.HotUser)
            {
                // 128 characters: the GUID, then the sequence number, padded (unique, as a producer's long ids would be).
                eventId = $"{eventId}-{sequence:D20}".PadRight(HotUserEventIdLength, 'x');
            }
            _recentEventIds.Enqueue(eventId);
            if (_recentEventIds.Count > 50) _recentEventIds.Dequeue();
        }

        var item = _items.Next(_rng);
        var roll = _rng.Next(100);
        var (type, value) = roll switch
        {
            < 70 => ("view", 1.0),
            < 90 => ("click", 1.0),
            < 94 => ("share", 1.0),
            < 99 => ("claim", 1.0),
            _ => ("purchase", _rng.Next(99, 5000) / 100.0),
        };

        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId"u8, eventId);
            writer.WriteString("userId"u8, _workload == Workload.HotUser ? "u-hot" : _userIds[_users.Next(_rng)]);
            writer.WriteString("itemId"u8, _itemIds[item]);
            writer.WriteString("category"u8, _itemCategories[item]);
            writer.WriteString("type"u8, type);
            writer.WriteNumber("value"u8, value);
            writer.WriteString("timestamp"u8, timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            if (_attributes is { } a)
            {
                writer.WriteString("brand"u8, Brands[a.Next(Brands.Length)]);
                writer.WriteString("device"u8, Devices[a.Next(Devices.Length)]);
                writer.WriteNumber("quantity"u8, a.Next(1, 6));
            }
            writer.WriteEndObject();
        }
        return (_buffer.WrittenSpan.ToArray(), sequence, enqueued);
    }

    private string[] Shuffled(int count, Func<int, string> name)
    {
        var ids = Enumerable.Range(1, count).Select(name).ToArray();
        _rng.Shuffle(ids);
        return ids;
    }
}
