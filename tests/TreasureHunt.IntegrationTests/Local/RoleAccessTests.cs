using System.Net.Http.Headers;
using System.Text;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.Api;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Local;

/// <summary>
/// Every route of the route table (the shared ones and the local host's own: a new entry is covered without a new
/// test) × every role on the real local host: the role's key passes, every other role's key is 403, no key or an
/// unknown one 401 — refusals as problem details.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class RoleAccessTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    /// <summary>A path of the route with its parameters filled in (ids that pass validation).</summary>
    private static string PathOf(ApiRoute route)
    {
        var path = route.Path;
        foreach (var name in route.RouteParameters) path = path.Replace("{" + name + "}", "roles-" + name, StringComparison.Ordinal);
        return path;
    }

    private static HttpRequestMessage Request(ApiRoute route, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), PathOf(route));
        if (route.Method == "POST")
        {
            var body = ReferenceEquals(route, LocalApiRoutes.Ingest)
                ? $$"""{"eventId":"e-roles","userId":"u-roles","itemId":"i-roles","type":"view","timestamp":"{{DateTimeOffset.UtcNow.AddMinutes(-1):O}}"}""" + "\n"
                : "";
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        }
        if (key is not null) request.Headers.Add(ApiAccess.KeyHeader, key);
        return request;
    }

    [Fact]
    public async Task Every_route_answers_its_role_passes_403_for_the_other_roles_and_401_without_a_key()
    {
        await using var host = new HostProcess(fixture, output, "roles");
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port}") };
        var failures = new List<string>();
        foreach (var route in ApiRoutes.All.Concat(LocalApiRoutes.All))
        {
            async Task<(int Status, string? ContentType)> SendAsync(string? key)
            {
                using var response = await http.SendAsync(Request(route, key));
                return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
            }

            void Expect(bool ok, string what)
            {
                if (!ok) failures.Add($"{route.Method} {route.Path} ({route.Role}): {what}");
            }

            if (route.Role == ApiRole.Anonymous)
            {
                var anonymous = await SendAsync(null);
                Expect(anonymous.Status == 200, $"no key → {anonymous.Status}, expected 200");
                continue;
            }
            foreach (var role in LocalKeys.Roles)
            {
                var (status, contentType) = await SendAsync(host.Keys.For(role));
                if (role == route.Role)
                {
                    Expect(status is not (401 or 403) && status < 500, $"its own {role} key → {status}");
                }
                else
                {
                    Expect(status == 403 && contentType == "application/problem+json", $"the {role} key → {status} {contentType}, expected 403 problem details");
                }
            }
            var none = await SendAsync(null);
            Expect(none.Status == 401 && none.ContentType == "application/problem+json", $"no key → {none.Status} {none.ContentType}, expected 401 problem details");
            var unknown = await SendAsync("not-a-key-of-this-host");
            Expect(unknown.Status == 401, $"an unknown key → {unknown.Status}, expected 401");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
