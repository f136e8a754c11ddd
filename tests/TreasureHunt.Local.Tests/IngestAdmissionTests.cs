using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Local.Tests;

/// <summary>POST /api/events of the local host, through its real endpoint (key check, admission, handler): requests
/// beyond Local:IngestMaxConcurrentRequests running and Local:IngestQueueLimit waiting are answered 429 with Retry-After.</summary>
public sealed class IngestAdmissionTests : IDisposable
{
    private readonly string _stateDir = Directory.CreateTempSubdirectory("th-ingest-").FullName;

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    /// <summary>A request body whose first read waits until <see cref="Release"/> and then ends (an empty body).</summary>
    private sealed class HeldBody : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Release() => _released.TrySetResult();
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reading.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
            return 0;
        }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Beyond_the_running_and_waiting_requests_ingest_answers_429_with_retry_after()
    {
        await using var app = LocalHost.Build(LocalConfiguration.Build(TestRepository.Root, new Dictionary<string, string?>
        {
            ["Local:StateDir"] = _stateDir,
            ["Access:IngestKey"] = "test",
            ["Local:IngestMaxConcurrentRequests"] = "1",
            ["Local:IngestQueueLimit"] = "1",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        }));
        app.UseRouting();
        app.UseEndpoints(_ => { });
        var ingest = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText?.TrimStart('/') == "api/events");

        HttpContext Request(Stream body)
        {
            var http = new DefaultHttpContext { RequestServices = app.Services };
            http.Request.Method = "POST";
            http.Request.ContentType = "application/x-ndjson";
            http.Request.Headers["x-functions-key"] = "test";
            http.Request.Body = body;
            http.Response.Body = new MemoryStream();
            return http;
        }

        var runningBody = new HeldBody();
        var running = Request(runningBody);
        var runningTask = ingest.RequestDelegate!(running);
        await runningBody.Reading.Task; // holds the only slot
        var waiting = Request(new MemoryStream());
        var waitingTask = ingest.RequestDelegate!(waiting); // waits in the queue
        Assert.False(waitingTask.IsCompleted);

        var refused = Request(new MemoryStream());
        await ingest.RequestDelegate!(refused);
        Assert.Equal(429, refused.Response.StatusCode);
        Assert.Equal("1", refused.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", refused.Response.ContentType);

        runningBody.Release();
        await runningTask;
        await waitingTask;
        // Both ran (an empty body is a 400 from the handler, not a 429 from the admission).
        Assert.NotEqual(429, running.Response.StatusCode);
        Assert.NotEqual(429, waiting.Response.StatusCode);
    }
}
