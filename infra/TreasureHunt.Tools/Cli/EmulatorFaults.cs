using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// Fault injection is set when the emulators start (TH_FAULT_RATE, TH_FAULT_SEED; see infra/local/emulators.sh).
/// <c>th up</c> passes the variables to the emulators it starts; <c>th up</c> and <c>th serve</c> then ask the running
/// Cosmos emulator which rate it runs with and say so when it differs from TH_FAULT_RATE (emulators started earlier).
/// </summary>
internal static class EmulatorFaults
{
    private const string WellKnownCosmosKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    public static double Wanted() =>
        double.TryParse(Environment.GetEnvironmentVariable("TH_FAULT_RATE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? rate : 0;

    public static async Task CheckAsync(string? cosmosEndpoint, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(cosmosEndpoint, UriKind.Absolute, out var endpoint) || !endpoint.IsLoopback) return;
        try
        {
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (request, _, _, _) => request.RequestUri is { IsLoopback: true } };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Add("x-th-emulator-key", Environment.GetEnvironmentVariable("Cosmos__Key") is { Length: > 0 } key ? key : WellKnownCosmosKey);
            var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(endpoint, "/_th/stats"), cancellationToken);
            var running = stats.GetProperty("faultRate").GetDouble();
            if (Math.Abs(running - Wanted()) > 1e-9)
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"[yellow]The emulators run with fault rate {running} but TH_FAULT_RATE={Wanted()}[/]: fault injection is set when they start — restart them (./th down, then TH_FAULT_RATE=... ./th up).");
            }
            else if (running > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]Fault injection on[/]: the emulators answer {running:P0} of document and entity requests with 429 or 503.");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // an emulator without the stats route (or not answering yet): nothing to compare
        }
    }
}
