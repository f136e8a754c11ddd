using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Api;

/// <summary>A query parameter as the OpenAPI document describes it (the handler parses and validates it).</summary>
public sealed record ApiQuery(string Name, string Description, string Type = "string", string? Format = null, string[]? Enum = null, string? Default = null, bool Required = false);

/// <summary>
/// One HTTP route, declared once in <see cref="ApiRoutes"/>: both hosts map it from here (the local host directly, the
/// Functions app through a <c>[Function]</c> named <see cref="OperationId"/>), one authorization step
/// (<see cref="ApiAccess"/>) checks <see cref="Role"/>, and the OpenAPI document is generated from the rest.
/// </summary>
/// <param name="Template">The route under <c>/api</c>, as the Functions trigger writes it (<c>users/{userId}/profile</c>).</param>
/// <param name="OperationId">The Functions app's function name and the document's operationId.</param>
/// <param name="Summary">One line for the document's operation list.</param>
/// <param name="Description">What the operation answers, in a sentence or two.</param>
/// <param name="Tag">The operation's group in the document (a key of <see cref="ApiRoutes.Tags"/>).</param>
/// <param name="Response">The body type of the success answer (its schema in the document).</param>
/// <param name="Problems">The problem statuses the handler answers besides 401 and 403.</param>
/// <param name="Handler">The host-neutral handler.</param>
/// <param name="LocalOnly">A route of the local host only (ingest, /api/local/*): the Functions app has no function for it.</param>
/// <param name="Documented">In the OpenAPI document (a local-only operation names the local host as its only server).</param>
public sealed record ApiRoute(
    string Method,
    string Template,
    ApiRole Role,
    string OperationId,
    string Summary,
    string Description,
    string Tag,
    Type? Response,
    int[] Problems,
    ApiQuery[] Parameters,
    Func<ApiCall, Task<ApiResponse>> Handler,
    int SuccessStatus = 200,
    bool LocalOnly = false,
    bool Documented = true)
{
    /// <summary>The full path (<c>/api/users/{userId}/profile</c>).</summary>
    public string Path => "/api/" + Template;

    /// <summary>The names of the template's route parameters, in order.</summary>
    public IReadOnlyList<string> RouteParameters => [.. Template.Split('/').Where(s => s.StartsWith('{') && s.EndsWith('}')).Select(s => s[1..^1])];
}

/// <summary>One request as a handler sees it: the request, the route values, the host's services, the request's cancellation.</summary>
public sealed class ApiCall(HttpRequest request, IServiceProvider services, IReadOnlyDictionary<string, string?> route, CancellationToken cancellationToken)
{
    public HttpRequest Request { get; } = request;

    public IQueryCollection Query => Request.Query;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>A route value of the template (null when the host bound none).</summary>
    public string? Route(string name) => route.TryGetValue(name, out var value) ? value : null;

    public T Get<T>() where T : notnull => services.GetRequiredService<T>();
}
