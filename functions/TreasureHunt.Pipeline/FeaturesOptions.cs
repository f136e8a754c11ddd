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
}

/// <summary>
/// Start-up validation of <see cref="FeaturesOptions"/>: the document must exist and be valid; every error names the
/// setting and the offending entry, so the host refuses to start with a clear message.
/// </summary>
public sealed class FeaturesOptionsValidator : IValidateOptions<FeaturesOptions>
{
    public ValidateOptionsResult Validate(string? name, FeaturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
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
