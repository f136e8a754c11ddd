using Microsoft.AspNetCore.Http;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>An <see cref="ApiResponse"/> as a minimal-API result: the content as it is, plus
/// <see cref="ApiResponse.SecurityHeaders"/> (the same answer as the Functions app's).</summary>
internal sealed class ApiResponseResult(ApiResponse response) : IResult
{
    public ApiResponse Response { get; } = response ?? throw new ArgumentNullException(nameof(response));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ApiResponse.AddSecurityHeaders(httpContext.Response);
        if (Response.Body.Length == 0)
        {
            // No content (204): a 204 may carry no body, not even an empty write.
            httpContext.Response.StatusCode = Response.StatusCode;
            return Task.CompletedTask;
        }
        return Results.Content(Response.Body, Response.ContentType, statusCode: Response.StatusCode).ExecuteAsync(httpContext);
    }
}
