using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The local host's exception handler, in every environment: an unhandled exception becomes an RFC 9457
/// problem+json answer with a trace id and no exception text or stack trace (those go to the log only). A request
/// Kestrel refused (body over the limit, malformed request) keeps its 4xx status.
/// </summary>
internal static class ProblemDetailsHandler
{
    public static int StatusOf(Exception exception) => exception is BadHttpRequestException bad ? bad.StatusCode : 500;

    public static Task WriteAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = exception is null ? 500 : StatusOf(exception);
        var response = status switch
        {
            413 => ApiResponse.Problem(413, "Payload too large", "the request body is over the limit (Local:MaxRequestBytes)"),
            < 500 => ApiResponse.Problem(status, "Bad request", "the request could not be read"),
            _ => ApiResponse.Problem(500, "Internal server error", $"the request failed; quote trace id {context.TraceIdentifier} to find it in the host log"),
        };
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        return context.Response.WriteAsync(response.Body);
    }
}
