using Microsoft.AspNetCore.Mvc;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Http;

public static class ApiResponseExtensions
{
    /// <summary>The host-neutral answer as an ASP.NET Core result (status, content type and body unchanged, the
    /// security headers added).</summary>
    public static ContentResult ToActionResult(this ApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new ApiContentResult { StatusCode = response.StatusCode, ContentType = response.ContentType, Content = response.Body };
    }
}
