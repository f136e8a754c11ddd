using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TreasureHunt.Functions;
using TreasureHunt.Functions.FinOps;
using TreasureHunt.Functions.Http;
using TreasureHunt.Functions.Telemetry;
using TreasureHunt.Storage;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
// Outermost first: unhandled HTTP errors become problem+json (no stack traces), then the caller's role is checked
// against the route table (401/403 before any handler runs), then every invocation is metered.
builder.UseMiddleware<ProblemDetailsMiddleware>();
builder.UseMiddleware<ApiAuthorizationMiddleware>();
builder.UseMiddleware<FinOpsMiddleware>();
builder.Services.AddTreasureHuntFunctions(builder.Configuration);
builder.Services.AddTreasureHuntTelemetry(builder.Configuration);

using var app = builder.Build();

// Every options class is validated first (ValidateOnStart): a bad setting fails start-up with an
// OptionsValidationException naming it (Section:Key), before anything touches storage.
app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

// Creates the Cosmos containers and tables the local emulators lack; does nothing against Azure (Bicep owns those).
using (var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
{
    await app.Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(startup.Token);
    // The configured feature definitions against the stored version of the same number: an incompatible change
    // (a feature removed or redefined without a new version) refuses to start, naming the entry; additions are recorded.
    await app.Services.GetRequiredService<TreasureHunt.Pipeline.Versions.DefinitionsStartupCheck>().RunAsync(startup.Token);
}

await app.RunAsync();
