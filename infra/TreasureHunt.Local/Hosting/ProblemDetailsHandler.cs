using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>The local host's exception handler, in every environment: the hosts' one <see cref="ProblemResponses"/> path.</summary>
internal static class ProblemDetailsHandler
{
    public static Task WriteAsync(HttpContext context) =>
        ProblemResponses.WriteAsync(context.Response, ProblemResponses.For(context.Features.Get<IExceptionHandlerFeature>()?.Error, context.TraceIdentifier));
}
