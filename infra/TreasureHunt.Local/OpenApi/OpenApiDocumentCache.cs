namespace TreasureHunt.Local.OpenApi;

/// <summary>
/// The OpenAPI document the local host serves, generated once per process on its first request: the routes do not
/// change while the host runs, and an anonymous caller must not be able to make the host regenerate it per request.
/// </summary>
internal sealed class OpenApiDocumentCache
{
    private readonly Lazy<Task<string>> _document;
    private int _generations;

    public OpenApiDocumentCache(IServiceProvider services)
    {
        _document = new(() =>
        {
            Interlocked.Increment(ref _generations);
            return LocalOpenApi.GenerateAsync(services, CancellationToken.None);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>How many times this cache generated the document (once at most).</summary>
    public int Generations => Volatile.Read(ref _generations);

    public Task<string> GetAsync() => _document.Value;
}
