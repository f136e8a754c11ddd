using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Local.OpenApi;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th openapi [--out FILE]: the OpenAPI 3.0 document of the HTTP API, generated from the routes (no emulator
/// needed). <c>./th openapi --out docs/openapi.json</c> regenerates the committed copy after a route change;
/// the drift tests fail until it is run.
/// </summary>
internal sealed class OpenApiCommand : AsyncCommand<OpenApiCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <FILE>")]
        [Description("Write the document to FILE (e.g. docs/openapi.json) instead of standard output.")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Out is not null && (Out.Length == 0 || Directory.Exists(Out))
                ? ValidationResult.Error($"--out must name a file, not '{Out}'")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var json = await OpenApiGenerator.GenerateAsync(LocalConfiguration.FindRepoRoot(), cancellationToken);
        if (settings.Out is null)
        {
            Console.Out.Write(json);
            return 0;
        }
        var path = Path.GetFullPath(settings.Out);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, json, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"wrote {path}");
        return 0;
    }
}
