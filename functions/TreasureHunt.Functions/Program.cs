using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TreasureHunt.Functions;
using TreasureHunt.Functions.FinOps;
using TreasureHunt.Storage;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<FinOpsMiddleware>();
builder.Services.AddTreasureHuntFunctions(builder.Configuration);

using var app = builder.Build();

// Every options class is validated first (ValidateOnStart): a bad setting fails start-up with an
// OptionsValidationException naming it (Section:Key), before anything touches storage.
app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

// Creates the Cosmos containers and tables the local emulators lack; does nothing against Azure (Bicep owns those).
using (var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
{
    await app.Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(startup.Token);
}

await app.RunAsync();
