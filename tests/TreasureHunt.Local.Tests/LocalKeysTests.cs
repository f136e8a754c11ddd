using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;
using TreasureHunt.Pipeline.Api;

namespace TreasureHunt.Local.Tests;

/// <summary>./th's keys: one random key per role under .th/keys, created once, owner-only; and the client sends each
/// request the key of its route's role, looked up in the route table (a new route needs no change here).</summary>
public sealed class LocalKeysTests : IDisposable
{
    private readonly string _stateDir = Directory.CreateTempSubdirectory("th-keys-").FullName;

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    [Fact]
    public void Each_role_gets_its_own_random_key_file_once_readable_by_the_owner_only()
    {
        if (Environment.GetEnvironmentVariable("TH_API_KEY") is { Length: > 0 }
            || LocalKeys.Roles.Any(r => Environment.GetEnvironmentVariable(LocalKeys.EnvironmentVariable(r)) is { Length: > 0 }))
        {
            Assert.Fail("run without TH_API_KEY and TH_*_KEY: they replace the files this test checks");
        }
        var first = LocalKeys.Resolve(_stateDir);
        var again = LocalKeys.Resolve(_stateDir);

        Assert.Equal(first, again);
        Assert.Equal(3, new[] { first.Reader, first.Operator, first.Ingest }.Distinct().Count());
        foreach (var role in LocalKeys.Roles)
        {
            var file = Path.Combine(_stateDir, "keys", LocalKeys.Name(role));
            Assert.Equal(first.For(role), File.ReadAllText(file).Trim());
            Assert.Equal(48, first.For(role).Length); // 24 random bytes, hex
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal("TH_OPERATOR_KEY", LocalKeys.EnvironmentVariable(ApiRole.Operator));
    }

    public static TheoryData<string, string, ApiRole> Routes()
    {
        var data = new TheoryData<string, string, ApiRole>();
        foreach (var route in ApiRoutes.All.Concat(LocalApiRoutes.All))
        {
            var path = route.Path;
            foreach (var name in route.RouteParameters) path = path.Replace("{" + name + "}", "x-" + name, StringComparison.Ordinal);
            data.Add(route.Method, path + "?top=5", route.Role);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void The_client_picks_the_role_of_the_route_a_request_goes_to(string method, string path, ApiRole role) =>
        Assert.Equal(role, HostClient.RoleOf(method, path));

    [Fact]
    public void A_path_outside_the_table_has_no_role_and_is_sent_without_a_key()
    {
        Assert.Null(HostClient.RoleOf("GET", "/api/nothing/here"));
        Assert.Null(HostClient.RoleOf("PUT", "/api/totals"));
    }
}
