using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TreasureHunt.Pipeline.Api;

namespace TreasureHunt.Functions.Http;

/// <summary>Runs a route table entry's handler for a function (named like the entry) and adapts the answer.</summary>
public sealed class ApiRouteInvoker(IServiceProvider services)
{
    public async Task<IActionResult> RunAsync(string function, HttpRequest request, CancellationToken cancellationToken, params (string Name, string? Value)[] route)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = route.ToDictionary(r => r.Name, r => r.Value, StringComparer.OrdinalIgnoreCase);
        return (await ApiRoutes.Get(function).Handler(new ApiCall(request, services, values, cancellationToken))).ToActionResult();
    }
}
