using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Core.Features;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th features show: the effective feature definitions (Features__DefinitionsPath from the environment, else the
/// default ones) as JSON, in the definitions format, so the output can be edited and used as a definitions file.
/// </summary>
internal sealed class FeaturesShowCommand : Command<FeaturesShowCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>());
        try
        {
            var definitions = FeatureDefinitionsReader.Load(configuration["Features:DefinitionsPath"]);
            Console.Out.WriteLine(FeatureDefinitionsReader.Serialize(definitions.Source));
            return 0;
        }
        catch (FeatureDefinitionsException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}

/// <summary>th features validate FILE [--against STORED]: checks a definitions file (and its compatibility with another version); non-zero with the errors.</summary>
internal sealed class FeaturesValidateCommand : Command<FeaturesValidateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>"), Description("the feature-definitions document to check")]
        public string File { get; init; } = "";

        [CommandOption("--against <STORED>"), Description("also check that FILE is a compatible evolution of this definitions document (the version in use)")]
        public string? Against { get; init; }

        public override ValidationResult Validate()
        {
            if (!System.IO.File.Exists(File)) return ValidationResult.Error($"no such file: {File}");
            if (Against is not null && !System.IO.File.Exists(Against)) return ValidationResult.Error($"no such file: {Against}");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        FeatureDefinitions? candidate = null;
        try
        {
            candidate = FeatureDefinitionsReader.Parse(System.IO.File.ReadAllText(settings.File), settings.File);
            errors.AddRange(FeatureDefinitionsReader.Validate(candidate));
            if (settings.Against is { } stored && errors.Count == 0)
            {
                errors.AddRange(DefinitionsCompatibility.Check(
                    FeatureDefinitionsReader.Parse(System.IO.File.ReadAllText(stored), stored), candidate));
            }
        }
        catch (FeatureDefinitionsException e)
        {
            errors.AddRange(e.Errors);
        }
        if (errors.Count > 0)
        {
            Console.Error.WriteLine($"{settings.File}: {errors.Count} error(s)");
            foreach (var error in errors) Console.Error.WriteLine($"  {error}");
            return 1;
        }
        AnsiConsole.MarkupLine($"[green]{Markup.Escape(settings.File)}: valid[/] (version {candidate!.Version}, {candidate.EventTypes.Count} event types, " +
            $"{candidate.User.Count} user / {candidate.Item.Count} item / {candidate.Global.Count} global features)");
        return 0;
    }
}

/// <summary>th features promote VERSION: serves VERSION (one write of the registry's active pointer); the previous version stays readable until retired.</summary>
internal sealed class FeaturesPromoteCommand : AsyncCommand<FeaturesVersionSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FeaturesVersionSettings settings, CancellationToken cancellationToken)
    {
        await using var services = CliServices.Build(LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>()));
        try
        {
            var previous = await services.GetRequiredService<TreasureHunt.Pipeline.Versions.DefinitionsAdmin>().PromoteAsync(settings.Version, cancellationToken);
            if (previous is not { } before || before == settings.Version || before == 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]Version {settings.Version} is active[/].");
                return 0;
            }
            AnsiConsole.MarkupLineInterpolated($"[green]Version {settings.Version} is active[/] (was {before}); hosts serve it within Features:RegistryRefreshSeconds. Version {before} stays readable (?version={before}) until: ./th features retire {before}");
            return 0;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"th features promote: {e.Message}");
            return 1;
        }
    }
}

/// <summary>th features retire VERSION: stops computing and serving a version that is not active.</summary>
internal sealed class FeaturesRetireCommand : AsyncCommand<FeaturesVersionSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FeaturesVersionSettings settings, CancellationToken cancellationToken)
    {
        await using var services = CliServices.Build(LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>()));
        try
        {
            var entry = await services.GetRequiredService<TreasureHunt.Pipeline.Versions.DefinitionsAdmin>().RetireAsync(settings.Version, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"[green]Version {settings.Version} retired[/] (container {entry.UsersContainer}); hosts stop computing it within Features:RegistryRefreshSeconds.");
            return 0;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"th features retire: {e.Message}");
            return 1;
        }
    }
}

internal sealed class FeaturesVersionSettings : CommandSettings
{
    [CommandArgument(0, "<VERSION>"), Description("the definitions document's version")]
    public int Version { get; init; }
}
