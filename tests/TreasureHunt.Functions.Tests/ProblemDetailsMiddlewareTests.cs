using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Microsoft.Azure.Functions.Worker;
using TreasureHunt.Functions.Http;
using TreasureHunt.Functions.Tests.Fakes;

namespace TreasureHunt.Functions.Tests;

public sealed class ProblemDetailsMiddlewareTests
{
    private static (FunctionContext Context, DefaultHttpContext Http) HttpContext()
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        var context = Mock.Get(TestApp.Context("UserProfile", "httpTrigger", "inv-7"));
        // Where the ASP.NET Core integration keeps the request's HttpContext (read by GetHttpContext()).
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return (context.Object, http);
    }

    [Fact]
    public async Task An_exception_in_an_http_function_is_a_problem_500_without_exception_text()
    {
        var (context, http) = HttpContext();
        var middleware = new ProblemDetailsMiddleware(NullLogger<ProblemDetailsMiddleware>.Instance);

        await middleware.Invoke(context, _ => throw new InvalidOperationException("secret connection string at Foo.Bar()"));

        Assert.Equal(500, http.Response.StatusCode);
        Assert.StartsWith("application/problem+json", http.Response.ContentType);
        http.Response.Body.Position = 0;
        var body = await new StreamReader(http.Response.Body).ReadToEndAsync();
        Assert.DoesNotContain("secret", body);
        Assert.DoesNotContain("Foo.Bar", body);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("inv-7", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Other_triggers_keep_their_exception_for_the_retry_policy()
    {
        var context = Mock.Get(TestApp.Context("Aggregate", "eventHubTrigger"));
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object>());
        var middleware = new ProblemDetailsMiddleware(NullLogger<ProblemDetailsMiddleware>.Instance);

        await Assert.ThrowsAsync<TimeoutException>(() => middleware.Invoke(context.Object, _ => throw new TimeoutException()));
    }
}
