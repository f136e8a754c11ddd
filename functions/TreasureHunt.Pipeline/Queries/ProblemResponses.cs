using Microsoft.AspNetCore.Http;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Both hosts' answer to a request that failed outside its route's own answers: RFC 9457 problem details with no
/// exception text or stack trace (those go to the log only), only an id to find it there; a request the server
/// refused to read (body over the limit, malformed) keeps its 4xx status.
/// </summary>
public static class ProblemResponses
{
    public static int StatusOf(Exception exception) => exception is BadHttpRequestException bad ? bad.StatusCode : 500;

    public static ApiResponse For(Exception? exception, string logId)
    {
        var status = exception is null ? 500 : StatusOf(exception);
        return status switch
        {
            413 => ApiResponse.Problem(413, "Payload too large", "the request body is over the host's limit"),
            < 500 => ApiResponse.Problem(status, "Bad request", "the request could not be read"),
            _ => InternalError(logId),
        };
    }

    public static ApiResponse InternalError(string logId) =>
        ApiResponse.Problem(500, "Internal server error", $"the request failed; quote id {logId} to find it in the logs");

    /// <summary>Replaces whatever the response held with the answer and the <see cref="ApiResponse.SecurityHeaders"/>.</summary>
    public static async Task WriteAsync(HttpResponse response, ApiResponse answer)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(answer);
        response.Clear();
        ApiResponse.AddSecurityHeaders(response);
        response.StatusCode = answer.StatusCode;
        response.ContentType = answer.ContentType;
        await response.WriteAsync(answer.Body);
    }
}
