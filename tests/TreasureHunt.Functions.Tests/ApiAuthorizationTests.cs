using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Moq;
using TreasureHunt.Functions.Http;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Api;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// The Functions app's authorization: every HTTP function is one entry of the route table (and every entry the app
/// serves is one function), and the worker's view of an App Service Authentication principal — with the app role,
/// without it, absent, forged where Easy Auth is off — decides 2xx (the function runs), 403 or 401.
/// </summary>
public sealed class ApiAuthorizationTests
{
    private static string Attribute(string key) => typeof(ApiAuthorizationTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static IEnumerable<(string Name, string Method, string Route, string AuthLevel)> HttpFunctions()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(Attribute("FunctionsOutputDir"), "functions.metadata")));
        foreach (var function in metadata.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "httpTrigger"))
            {
                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    yield return (function.GetProperty("name").GetString()!, method.GetString()!.ToUpperInvariant(), binding.GetProperty("route").GetString()!, binding.GetProperty("authLevel").GetString()!);
                }
            }
        }
    }

    [Fact]
    public void Every_http_function_is_exactly_one_route_table_entry_and_every_entry_the_app_serves_is_one_function()
    {
        var functions = HttpFunctions().Where(f => f.Name != ApiAuthorizationMiddleware.DocumentFunction).ToList();
        Assert.Equal(functions.Count, functions.Select(f => f.Name).Distinct().Count());
        foreach (var f in functions)
        {
            var entry = ApiRoutes.Find(f.Name);
            Assert.True(entry is not null, $"function {f.Name} has no entry in ApiRoutes");
            Assert.False(entry.LocalOnly, $"{f.Name} is a local-only route");
            Assert.Equal((entry.Method, entry.Template), (f.Method, f.Route));
        }
        var served = ApiRoutes.All.Where(r => !r.LocalOnly).Select(r => r.OperationId).Order().ToList();
        Assert.Equal(served, functions.Select(f => f.Name).Order().ToList());
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => r.OperationId).Distinct().Count());
    }

    [Fact]
    public void No_trigger_takes_a_platform_function_key_the_worker_authorizes_every_call()
    {
        Assert.All(HttpFunctions(), f => Assert.Equal("Anonymous", f.AuthLevel));
    }

    public static TheoryData<string> ServedRoutes() => [.. ApiRoutes.All.Where(r => !r.LocalOnly).Select(r => r.OperationId)];

    [Theory]
    [MemberData(nameof(ServedRoutes))]
    public async Task A_principal_with_the_app_role_runs_the_function_without_it_403_and_no_principal_401(string function)
    {
        var route = ApiRoutes.Get(function);
        var easyAuth = new ApiAccessOptions { EasyAuth = true };
        if (route.Role == ApiRole.Anonymous)
        {
            Assert.Equal(200, await InvokeAsync(easyAuth, function, principal: null));
            return;
        }
        var granted = ApiAccess.AppRoles.Single(r => r.Value == route.Role).Key;
        var other = ApiAccess.AppRoles.Single(r => r.Value != route.Role).Key;
        Assert.Equal(200, await InvokeAsync(easyAuth, function, Principal(granted)));
        Assert.Equal(200, await InvokeAsync(easyAuth, function, Principal("SomethingElse", granted, other)));
        Assert.Equal(403, await InvokeAsync(easyAuth, function, Principal(other)));
        Assert.Equal(403, await InvokeAsync(easyAuth, function, Principal()));
        Assert.Equal(401, await InvokeAsync(easyAuth, function, principal: null));
        Assert.Equal(401, await InvokeAsync(easyAuth, function, "not base64 json"));
        // Without App Service Authentication in front, nothing strips the header: a caller could forge it, so it counts for nothing.
        Assert.Equal(401, await InvokeAsync(new ApiAccessOptions(), function, Principal(granted)));
    }

    [Fact]
    public async Task The_reader_key_a_deployment_may_enable_reads_but_operates_nothing()
    {
        var options = new ApiAccessOptions { EasyAuth = true, ReaderKey = "reader-key-0123456789" };
        Assert.Equal(200, await InvokeAsync(options, "UserProfile", principal: null, key: "reader-key-0123456789"));
        Assert.Equal(403, await InvokeAsync(options, "ReplayParked", principal: null, key: "reader-key-0123456789"));
        Assert.Equal(401, await InvokeAsync(options, "UserProfile", principal: null, key: "wrong"));
        // The same key sent as ?code= (the platform's way) is not read: URLs end up in logs.
        Assert.Equal(401, await InvokeAsync(options, "UserProfile", principal: null, query: "?code=reader-key-0123456789"));
    }

    [Fact]
    public async Task The_reader_key_known_only_by_its_sha256_reads()
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("reader-key-0123456789")));
        var options = new ApiAccessOptions { EasyAuth = true, ReaderKeySha256 = hash };
        Assert.Equal(200, await InvokeAsync(options, "Totals", principal: null, key: "reader-key-0123456789"));
        Assert.Equal(401, await InvokeAsync(options, "Totals", principal: null, key: hash));
        Assert.Equal(403, await InvokeAsync(options, "DeadLetters", principal: null, key: "reader-key-0123456789"));
        Assert.True(new ApiAccessOptionsValidator().Validate(null, new ApiAccessOptions { ReaderKeySha256 = "not-hex" }).Failed);
    }

    [Fact]
    public async Task A_refusal_is_problem_details_naming_the_role_and_the_function_does_not_run()
    {
        var (context, http) = Context("EraseUser", principal: Principal("TreasureHunt.Read"), key: null, query: "");
        var ran = false;
        await new ApiAuthorizationMiddleware(Access(new ApiAccessOptions { EasyAuth = true })).Invoke(context, _ => { ran = true; return Task.CompletedTask; });
        Assert.False(ran);
        Assert.Equal(403, http.Response.StatusCode);
        Assert.StartsWith("application/problem+json", http.Response.ContentType);
        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
        http.Response.Body.Position = 0;
        using var problem = JsonDocument.Parse(await new StreamReader(http.Response.Body).ReadToEndAsync());
        Assert.Equal(403, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("TreasureHunt.Operate", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_http_function_missing_from_the_route_table_is_refused_not_run()
    {
        var (context, _) = Context("NotInTheTable", principal: Principal("TreasureHunt.Read", "TreasureHunt.Operate"), key: null, query: "");
        var ran = false;
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new ApiAuthorizationMiddleware(Access(new ApiAccessOptions { EasyAuth = true })).Invoke(context, _ => { ran = true; return Task.CompletedTask; }));
        Assert.False(ran);
    }

    [Fact]
    public void The_app_refuses_to_start_with_an_operator_or_ingest_key()
    {
        var validator = new FunctionsAccessValidator();
        Assert.True(validator.Validate(null, new ApiAccessOptions { EasyAuth = true, ReaderKey = "r" }).Succeeded);
        var refused = validator.Validate(null, new ApiAccessOptions { OperatorKey = "o", IngestKey = "i" });
        Assert.True(refused.Failed);
        Assert.Contains("Access:OperatorKey", refused.FailureMessage);
        Assert.Contains("Access:IngestKey", refused.FailureMessage);
    }

    /// <summary>The header App Service Authentication sets for a principal with these role claims (Base64 of the JSON
    /// https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities describes).</summary>
    private static string Principal(params string[] roles) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        auth_typ = "aad",
        claims = roles.Select(r => new { typ = "roles", val = r }).Append(new { typ = "appid", val = "00000000-0000-0000-0000-000000000001" }).ToArray(),
        name_typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
    })));

    private static ApiAccess Access(ApiAccessOptions options) => new(Options.Create(options));

    /// <summary>The status the caller sees: the middleware's refusal, or 200 when it lets the function run.</summary>
    private static async Task<int> InvokeAsync(ApiAccessOptions options, string function, string? principal, string? key = null, string query = "")
    {
        var (context, http) = Context(function, principal, key, query);
        await new ApiAuthorizationMiddleware(Access(options)).Invoke(context, _ => { http.Response.StatusCode = 200; return Task.CompletedTask; });
        return http.Response.StatusCode;
    }

    private static (FunctionContext Context, DefaultHttpContext Http) Context(string function, string? principal, string? key, string query)
    {
        var http = new DefaultHttpContext();
        http.Request.QueryString = new QueryString(query);
        if (principal is not null) http.Request.Headers[ApiAccess.PrincipalHeader] = principal;
        if (key is not null) http.Request.Headers[ApiAccess.KeyHeader] = key;
        http.Response.StatusCode = 0;
        http.Response.Body = new MemoryStream();
        var context = Mock.Get(TestApp.Context(function, "httpTrigger"));
        // Where the ASP.NET Core integration keeps the request's HttpContext (read by GetHttpContext()).
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return (context.Object, http);
    }
}
