using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Tests;

/// <summary>The local host's routes answer an <see cref="ApiResponse"/> with its status, content type and body, and
/// the headers that keep personal data out of caches and away from content sniffing.</summary>
public sealed class ApiResponseResultTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    public async Task An_answer_carries_its_content_and_the_security_headers(int status)
    {
        var response = status == 200 ? ApiResponse.Ok(new { userId = "alice" }) : ApiResponse.NotFound("no such user");
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();

        await new ApiResponseResult(response).ExecuteAsync(http);

        Assert.Equal(status, http.Response.StatusCode);
        Assert.Equal(response.ContentType, http.Response.ContentType);
        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
        Assert.Equal("nosniff", http.Response.Headers.XContentTypeOptions.ToString());
        http.Response.Body.Position = 0;
        Assert.Equal(response.Body, await new StreamReader(http.Response.Body).ReadToEndAsync());
    }

    [Fact]
    public async Task A_no_content_answer_writes_no_body_only_its_status_and_the_security_headers()
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        // As Kestrel does for a 204: any write to the body, even of nothing, fails.
        http.Response.Body = new NoBody();

        await new ApiResponseResult(new ApiResponse(204, "text/plain; charset=utf-8", "")).ExecuteAsync(http);

        Assert.Equal(204, http.Response.StatusCode);
        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
    }

    private sealed class NoBody : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("a 204 has no body");
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw new InvalidOperationException("a 204 has no body");
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new InvalidOperationException("a 204 has no body");
        public override Task FlushAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("a 204 has no body");
    }
}
