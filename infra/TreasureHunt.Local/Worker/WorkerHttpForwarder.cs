using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// HTTP to the worker's HTTP-triggered functions as the host forwards it (route and authorization matched, invoked over
/// gRPC while YARP forwards the request; the two meet by <c>x-ms-invocation-id</c>). Sources:
/// docs/internals.md#worker-http-forwarding.
/// </summary>
internal sealed class WorkerHttpForwarder
{
    /// <summary>The header the worker's ASP.NET Core middleware pairs a forwarded request with its invocation by.</summary>
    public const string CorrelationHeader = "x-ms-invocation-id";

    /// <summary>host.json <c>extensions.http.routePrefix</c> default; the app's host.json keeps it.</summary>
    public const string RoutePrefix = "api";

    private readonly FunctionsWorkerHarness _harness;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly DurableClientBinding _durableClient;
    private readonly byte[]? _functionKey;
    private readonly ILogger _logger;
    private readonly List<Route> _routes;

    public WorkerHttpForwarder(FunctionsWorkerHarness harness, IHttpForwarder forwarder, HttpMessageInvoker client, DurableClientBinding durableClient, string? functionKey, ILogger logger)
    {
        _harness = harness;
        _forwarder = forwarder;
        _client = client;
        _durableClient = durableClient;
        _functionKey = string.IsNullOrEmpty(functionKey) ? null : Encoding.UTF8.GetBytes(functionKey);
        _logger = logger;
        _routes = [.. Routes(harness.Functions).OrderBy(r => RoutePrecedence.ComputeInbound(r.Template))];
    }

    /// <summary>The HTTP-triggered functions' routes, from each function's raw trigger binding (route, methods, authLevel).</summary>
    internal sealed record Route(string Function, string TriggerName, RouteTemplate Template, TemplateMatcher Matcher, string[] Methods, bool Anonymous);

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var values = new RouteValueDictionary();
        var route = _routes.FirstOrDefault(r => Matches(r, path, values));
        if (route is null || (route.Methods.Length > 0 && !route.Methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase)))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!route.Anonymous && !HasFunctionKey(context.Request))
        {
            // The host answers 401 without a body when a non-anonymous function's key is missing or wrong.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        if (!_harness.IsWorkerConnected)
        {
            // No worker (it exited or is restarting): 503 until one is back.
            _logger.LogWarning("Function {Function}: no worker to invoke", route.Function);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var workerUri = _harness.Capabilities.TryGetValue("HttpUri", out var uri) && !string.IsNullOrEmpty(uri)
            ? uri
            : throw new InvalidOperationException("The worker did not advertise an HttpUri: it does not use the ASP.NET Core integration.");

        var (inputData, triggerMetadata) = Bind(route, context, values);
        var invocationId = Guid.NewGuid().ToString();
        context.Request.Headers[CorrelationHeader] = invocationId;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var invocation = _harness.InvokeAsync(route.Function, inputData, triggerMetadata, retryContext: null, abort.Token, invocationId);
        var error = await _forwarder.SendAsync(context, workerUri, _client, ForwarderRequestConfig.Empty, HttpTransformer.Default);
        if (error != ForwarderError.None)
        {
            await abort.CancelAsync();
            _logger.LogWarning("Forwarding {Method} to function {Function} failed: {Error}", context.Request.Method, route.Function, error);
        }
        try
        {
            var outcome = await invocation;
            if (!outcome.Succeeded)
            {
                // The exception's type only above Debug: its message may name the user the request is about.
                _logger.LogWarning("Function {Function} failed: {ExceptionType}", route.Function, outcome.ExceptionType);
                _logger.LogDebug("Function {Function} failed: {ExceptionMessage}", route.Function, outcome.ExceptionMessage);
                if (!context.Response.HasStarted)
                {
                    context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // the forward failed or the client went away: the forwarder already answered 502 or nothing
        }
        catch (WorkerUnavailableException)
        {
            // The worker went away during the request.
            _logger.LogWarning("Function {Function}: the worker went away during the request", route.Function);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }
    }

    private static bool Matches(Route route, PathString path, RouteValueDictionary values)
    {
        values.Clear();
        return route.Matcher.TryMatch(path, values);
    }

    private bool HasFunctionKey(HttpRequest request)
    {
        if (_functionKey is null)
        {
            return false;
        }
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _functionKey);
    }

    /// <summary>
    /// The invocation's inputs: the trigger as a minimal <c>RpcHttp</c> (the worker reads the forwarded request itself),
    /// a <c>[DurableClient]</c> input where the function has one, and the HTTP trigger's binding data as trigger metadata:
    /// the route values (strings; parameters such as <c>string userId</c> bind from them), the query (JSON) and <c>sys</c>.
    /// </summary>
    private (JsonArray InputData, JsonObject TriggerMetadata) Bind(Route route, HttpContext context, RouteValueDictionary values)
    {
        var request = context.Request;
        var inputData = new JsonArray
        {
            new JsonObject
            {
                ["name"] = route.TriggerName,
                ["data"] = new JsonObject { ["http"] = new JsonObject { ["method"] = request.Method, ["url"] = $"{request.Scheme}://{request.Host}{request.Path}{request.QueryString}" } },
            },
        };
        foreach (var (name, binding) in (JsonObject)_harness.Function(route.Function)["bindings"]!)
        {
            if ((string?)binding?["type"] == "durableClient")
            {
                inputData.Add(new JsonObject { ["name"] = name, ["data"] = new JsonObject { ["string"] = _durableClient.ToJson() } });
            }
        }
        var metadata = new JsonObject();
        foreach (var (name, value) in values)
        {
            if (value is not null)
            {
                metadata[name] = new JsonObject { ["string"] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }
        var query = new JsonObject();
        foreach (var (name, value) in request.Query)
        {
            query[name] = value.ToString();
        }
        metadata["Query"] = new JsonObject { ["json"] = query.ToJsonString() };
        metadata["sys"] = new JsonObject
        {
            ["json"] = new JsonObject
            {
                ["MethodName"] = route.Function,
                ["UtcNow"] = EventHubTriggerBinding.NewtonsoftDate(DateTimeOffset.UtcNow, withOffset: true),
                ["RandGuid"] = Guid.NewGuid().ToString(),
            }.ToJsonString(),
        };
        return (inputData, metadata);
    }

    private static IEnumerable<Route> Routes(IEnumerable<JsonObject> functions)
    {
        foreach (var function in functions)
        {
            foreach (var raw in (function["rawBindings"] as JsonArray ?? []).Select(b => (string?)b))
            {
                using var binding = JsonDocument.Parse(raw ?? "{}");
                var root = binding.RootElement;
                if (!root.TryGetProperty("type", out var type) || !string.Equals(type.GetString(), "httpTrigger", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var name = (string)function["name"]!;
                var route = root.TryGetProperty("route", out var r) && r.GetString() is { Length: > 0 } text ? text : name;
                var template = TemplateParser.Parse($"{RoutePrefix}/{route}");
                var methods = root.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                    ? m.EnumerateArray().Select(x => x.GetString()!).ToArray()
                    : [];
                var anonymous = root.TryGetProperty("authLevel", out var level) && string.Equals(level.GetString(), "Anonymous", StringComparison.OrdinalIgnoreCase);
                yield return new Route(name, root.GetProperty("name").GetString()!, template, new TemplateMatcher(template, new RouteValueDictionary()), methods, anonymous);
            }
        }
    }
}
