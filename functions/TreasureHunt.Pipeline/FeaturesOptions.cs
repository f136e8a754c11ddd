using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Pipeline;

/// <summary>Feature definitions settings, bound from the configuration section <c>Features</c>.</summary>
public sealed class FeaturesOptions
{
    public const string Section = "Features";

    /// <summary>
    /// Path of the feature-definitions document (env <c>Features__DefinitionsPath</c>); empty = the default definitions
    /// (features/definitions.json, embedded). A relative path is resolved against the current directory.
    /// </summary>
    [MaxLength(4096)]
    public string? DefinitionsPath { get; set; }

    /// <summary>
    /// How often a host re-reads the definitions registry (active version, shadow versions to keep current), in seconds
    /// (env <c>Features__RegistryRefreshSeconds</c>). A promotion reaches every reader within this time; a back-fill
    /// hands over to the live stream no earlier than this after it registered its version.
    /// </summary>
    public int RegistryRefreshSeconds { get; set; } = 5;
}

/// <summary>
/// Start-up validation of <see cref="FeaturesOptions"/>: the document must exist and be valid; every error names the
/// setting and the offending entry, so the host refuses to start with a clear message.
/// </summary>
internal sealed class FeaturesOptionsValidator : IValidateOptions<FeaturesOptions>
{
    public ValidateOptionsResult Validate(string? name, FeaturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RegistryRefreshSeconds is < 1 or > 300)
        {
            return ValidateOptionsResult.Fail($"{FeaturesOptions.Section}:RegistryRefreshSeconds must be 1..300.");
        }
        try
        {
            FeatureDefinitionsReader.Load(options.DefinitionsPath);
            return ValidateOptionsResult.Success;
        }
        catch (FeatureDefinitionsException e)
        {
            var source = string.IsNullOrWhiteSpace(options.DefinitionsPath) ? "the default definitions" : options.DefinitionsPath;
            return ValidateOptionsResult.Fail(e.Errors.Select(error => $"{FeaturesOptions.Section}:DefinitionsPath ({source}): {error}"));
        }
    }
}
