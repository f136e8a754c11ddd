using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>A host-neutral HTTP answer: the Functions app turns it into a ContentResult, the local host into an IResult;
/// both send <see cref="SecurityHeaders"/> with it.</summary>
public sealed record ApiResponse(int StatusCode, string ContentType, string Body)
{
    /// <summary>Sent with every answer by both hosts: answers carry personal data (profiles, features, parked bodies,
    /// dead-letter payloads) or per-caller data, so no cache may keep them, and a browser must not sniff one into
    /// another content type.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SecurityHeaders { get; } =
        [new("Cache-Control", "no-store"), new("X-Content-Type-Options", "nosniff")];

    /// <summary>Sets <see cref="SecurityHeaders"/> on a response that has not started.</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        foreach (var (name, value) in SecurityHeaders) response.Headers[name] = value;
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ApiResponse Ok(object body) => new(200, "application/json; charset=utf-8", JsonSerializer.Serialize(body, Json));

    public static ApiResponse Status(int statusCode, object body) => new(statusCode, "application/json; charset=utf-8", JsonSerializer.Serialize(body, Json));

    /// <summary>RFC 9457 problem details.</summary>
    public static ApiResponse Problem(int statusCode, string title, string detail) => new(
        statusCode,
        "application/problem+json; charset=utf-8",
        JsonSerializer.Serialize(new { type = "about:blank", title, status = statusCode, detail }, Json));

    public static ApiResponse BadRequest(string detail) => Problem(400, "Bad request", detail);

    public static ApiResponse NotFound(string detail) => Problem(404, "Not found", detail);
}
