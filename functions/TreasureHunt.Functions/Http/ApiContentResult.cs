using Microsoft.AspNetCore.Mvc;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Http;

/// <summary>An <see cref="ApiResponse"/> as an action result: the content as it is, plus
/// <see cref="ApiResponse.SecurityHeaders"/> set on the response before it is written.</summary>
internal sealed class ApiContentResult : ContentResult
{
    public override Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ApiResponse.AddSecurityHeaders(context.HttpContext.Response);
        return base.ExecuteResultAsync(context);
    }
}
