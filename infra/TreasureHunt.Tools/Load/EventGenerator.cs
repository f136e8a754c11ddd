using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Tools.Load;

/// <summary>Settings of synthetic treasure-hunt traffic: the population, the duplicate and bad shares, the seed, and
/// the workload — uniform (each event an independent Zipf user) or sessions (<see cref="SessionSchedule"/>, with
/// <see cref="Sessions"/>; the default parameters when null); the declared attributes every event carries (none when null).</summary>
internal sealed record LoadProfile(int Users = 50_000, int Items = 5_000, double DuplicateRate = 0.01, double BadRate = 0.001, int Seed = 42, double ZipfExponent = 1.0,
    LoadWorkload Workload = LoadWorkload.Uniform, SessionProfile? Sessions = null, IReadOnlyList<CompiledAttribute>? Attributes = null,
    KeyedQueries? Keyed = null)
{
    /// <summary>A one-line description of the workload (the bench JSON and console).</summary>
    public string DescribeWorkload() => Workload == LoadWorkload.Sessions
        ? (Sessions ?? new SessionProfile()).Describe()
        : "uniform: every event picks its user independently, Zipf";

    /// <summary>Type mix: mostly views, some clicks, few claims, shares and purchases.</summary>
    public static readonly (string Type, double Share)[] TypeMix = [("view", 0.70), ("click", 0.20), ("share", 0.04), ("claim", 0.05), ("purchase", 0.01)];

    public static readonly string[] Categories = ["caves", "forests", "ruins", "beaches", "mountains", "cities", "deserts", "islands", "rivers", "castles"];
}

/// <summary>One generated message: its bytes and what it is (the test and the load summary use the kind); the user of
/// a valid, new event (null for a duplicate and a bad message), which the store-write floor (<see cref="TrafficFloor"/>) counts.</summary>
internal readonly record struct GeneratedMessage(byte[] Body, bool IsDuplicate, int BadKind, string? UserId = null);

/// <summary>
/// Synthetic treasure-hunt traffic: Zipf users and items, a realistic type mix, producer duplicates and bad messages,
/// uniform or sessionized users, values for declared attributes; deterministic per seed.
/// Details: docs/internals.md#event-generator.
/// </summary>
internal sealed class EventGenerator
{
    private readonly LoadProfile _profile;
    private readonly Random _random;
    private readonly ZipfSampler _users;
    private readonly SessionSchedule? _sessions;
    private readonly ZipfSampler _items;
    private readonly List<byte[]> _recent = [];
    private readonly System.Collections.BitArray _itemsSent;
    private readonly Random _attributeRandom;
    private readonly (CompiledAttribute Attribute, byte[] Name, string[] Texts)[] _attributes;
    private long _serial;
    private int _badSerial;

    public EventGenerator(LoadProfile profile)
    {
        _profile = profile;
        _random = new Random(profile.Seed);
        _users = new ZipfSampler(profile.Users, profile.ZipfExponent);
        _items = new ZipfSampler(profile.Items, profile.ZipfExponent);
        _itemsSent = new System.Collections.BitArray(profile.Items);
        _sessions = profile.Workload == LoadWorkload.Sessions ? new SessionSchedule(profile.Sessions ?? new SessionProfile(), _users, profile.Seed) : null;
        _attributeRandom = new Random(unchecked(profile.Seed * 31 + 7));
        _attributes = (profile.Attributes ?? []).Select(a => (a, Encoding.UTF8.GetBytes(a.Name),
            Enumerable.Range(1, 20).Select(n => $"{a.Name}-{n}" is var t && t.Length > a.MaxLength ? new string((char)('A' + n - 1), Math.Min(a.MaxLength, 2)) : t).ToArray())).ToArray();
    }

    /// <summary>The session schedule of a sessionized workload (null for the uniform one).</summary>
    public SessionSchedule? Sessions => _sessions;

    /// <summary>Distinct items the events generated so far are about (the catalog the pipeline has seen).</summary>
    public int DistinctItems { get; private set; }

    /// <summary>Messages generated when <see cref="DistinctItems"/> reached 1,000 (0 until then).</summary>
    public long ThousandItemsAt { get; private set; }

    private long _generated;

    public GeneratedMessage Next(DateTimeOffset now)
    {
        _generated++;
        var roll = _random.NextDouble();
        if (roll < _profile.BadRate)
        {
            var kind = _badSerial % BadMessages.Kinds.Count;
            return new GeneratedMessage(BadMessages.Make(kind, _badSerial++), false, kind);
        }
        if (roll < _profile.BadRate + _profile.DuplicateRate && _recent.Count > 0)
        {
            return new GeneratedMessage(_recent[_random.Next(_recent.Count)], true, -1);
        }
        var body = Event(now, out var userId);
        if (_recent.Count < 1000) _recent.Add(body); else _recent[_random.Next(_recent.Count)] = body;
        return new GeneratedMessage(body, false, -1, userId);
    }

    private byte[] Event(DateTimeOffset now, out string userId)
    {
        var item = _items.Next(_random);
        if (!_itemsSent[item])
        {
            _itemsSent[item] = true;
            if (++DistinctItems == 1_000) ThousandItemsAt = _generated;
        }
        var pick = _random.NextDouble();
        var type = LoadProfile.TypeMix[^1].Type;
        foreach (var (name, share) in LoadProfile.TypeMix)
        {
            if ((pick -= share) < 0) { type = name; break; }
        }
        var buffer = new MemoryStream(192);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("eventId"u8, $"e-{_profile.Seed}-{_serial++}");
            // Uniform: drawn here, between the type and the value, as it always was (same events per seed).
            userId = $"u-{_sessions?.NextUser() ?? _users.Next(_random)}";
            json.WriteString("userId"u8, userId);
            json.WriteString("itemId"u8, $"t-{item}");
            json.WriteString("category"u8, LoadProfile.Categories[item % LoadProfile.Categories.Length]);
            json.WriteString("type"u8, type);
            json.WriteNumber("value"u8, type == "purchase" ? Math.Round(1 + _random.NextDouble() * 99, 2) : 1);
            json.WriteString("timestamp"u8, now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (attribute, name, texts) in _attributes)
            {
                switch (attribute.Type)
                {
                    case AttributeType.String: json.WriteString(name, texts[_attributeRandom.Next(texts.Length)]); break;
                    case AttributeType.Number: json.WriteNumber(name, _attributeRandom.Next(1, 11)); break;
                    default: json.WriteBoolean(name, _attributeRandom.Next(2) == 0); break;
                }
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>NDJSON helpers for request bodies.</summary>
internal static class Ndjson
{
    public static byte[] Join(IEnumerable<byte[]> messages)
    {
        using var stream = new MemoryStream();
        foreach (var m in messages)
        {
            stream.Write(m);
            stream.WriteByte((byte)'\n');
        }
        return stream.ToArray();
    }

    public static string ToText(byte[] message) => Encoding.UTF8.GetString(message);
}
