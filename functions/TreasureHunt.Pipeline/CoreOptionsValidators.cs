using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline;

// Source-generated validators of the core's options classes. The rules live on the classes themselves
// (DataAnnotations attributes, IValidatableObject) so TreasureHunt.Core keeps no dependency beyond the BCL; the
// [OptionsValidator] generator (Microsoft.Extensions.Options, shipped with the ASP.NET Core shared framework) needs
// Microsoft.Extensions.Options, so the validators live here, next to their registration.

/// <summary>Source-generated from the rules of <see cref="AggregationOptions"/>.</summary>
[OptionsValidator]
public sealed partial class AggregationOptionsValidator : IValidateOptions<AggregationOptions>;

/// <summary>Source-generated from the rules of <see cref="ContractOptions"/>.</summary>
[OptionsValidator]
public sealed partial class ContractOptionsValidator : IValidateOptions<ContractOptions>;

/// <summary>Source-generated from the rules of <see cref="RollupOptions"/>.</summary>
[OptionsValidator]
public sealed partial class RollupOptionsValidator : IValidateOptions<RollupOptions>
{
    /// <summary>For code that takes the options outside dependency injection: the same rules, the same exception.</summary>
    public static void ThrowIfInvalid(RollupOptions options)
    {
        var result = new RollupOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(Options.DefaultName, typeof(RollupOptions), result.Failures);
    }
}

/// <summary>Source-generated from the rules of <see cref="Core.Configuration.RetentionOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class RetentionOptionsValidator : IValidateOptions<Core.Configuration.RetentionOptions>;

/// <summary>Source-generated from the rules of <see cref="FinOpsOptions"/>; the nested prices are validated by
/// <see cref="FinOpsOptions.Validate"/> (Core cannot carry [ValidateObjectMembers], which SYSLIB1212 asks for).</summary>
#pragma warning disable SYSLIB1212
[OptionsValidator]
public sealed partial class FinOpsOptionsValidator : IValidateOptions<FinOpsOptions>;
#pragma warning restore SYSLIB1212
