using TreasureHunt.Core.Events;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Requests whose path has a dot segment (<c>.</c>, <c>..</c>, also percent-encoded as <c>%2E</c>): a server removes
/// such segments before routing (RFC 3986 §5.2.4), so <c>/api/users/%2E%2E/profile</c> would be answered as another
/// route. A route of ours never has one (ids may not be dot segments), so such a request is refused as it was sent.
/// </summary>
public static class RequestPaths
{
    /// <summary>A 400 problem when the raw request target's path has a dot segment; null otherwise.</summary>
    public static ApiResponse? DotSegmentProblem(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);
        var path = rawTarget.AsSpan();
        var query = path.IndexOfAny('?', '#');
        if (query >= 0) path = path[..query];
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.Contains('%') ? ContractLimits.IsDotSegment(Uri.UnescapeDataString(segment.ToString())) : ContractLimits.IsDotSegment(segment))
            {
                return ApiResponse.BadRequest($"a path segment may not be '.' or '..' (ids are {ContractLimits.IdRule()})");
            }
        }
        return null;
    }
}
