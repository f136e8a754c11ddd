using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Tests;

public sealed class RequestPathsTests
{
    [Theory]
    [InlineData("/api/users/../profile")]
    [InlineData("/api/users/./profile")]
    [InlineData("/api/users/%2E%2E/profile")]
    [InlineData("/api/users/%2e%2E/profile?x=1")]
    [InlineData("/api/users/.%2e/features")]
    [InlineData("/api/items/%2E/stats")]
    [InlineData("/api/users/..")]
    public void A_path_with_a_dot_segment_is_a_400(string rawTarget)
    {
        var problem = RequestPaths.DotSegmentProblem(rawTarget);
        Assert.NotNull(problem);
        Assert.Equal(400, problem.StatusCode);
        Assert.Contains("path segment may not be", problem.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/users/.../profile")]
    [InlineData("/api/users/a.b/profile")]
    [InlineData("/api/users/..a/profile")]
    [InlineData("/api/users/a../profile")]
    [InlineData("/api/leaderboard?type=click&at=../x")]
    [InlineData("/")]
    [InlineData("/api/users/u%2D1/profile")]
    public void Every_other_path_passes(string rawTarget) => Assert.Null(RequestPaths.DotSegmentProblem(rawTarget));
}
