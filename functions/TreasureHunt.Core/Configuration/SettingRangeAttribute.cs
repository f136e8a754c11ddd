using System.ComponentModel.DataAnnotations;

namespace TreasureHunt.Core.Configuration;

/// <summary>
/// <see cref="RangeAttribute"/> whose <c>ErrorMessage</c> survives the options validation source generator. The
/// generator ([OptionsValidator]) replaces a plain <c>[Range]</c> with its own copy and drops its
/// <c>ErrorMessage</c> (dotnet/runtime#123137), so the message would not name the setting as <c>Section:Key</c>;
/// a derived attribute is emitted as written. Use it instead of <c>[Range]</c> on options classes.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    public SettingRangeAttribute(int minimum, int maximum) : base(minimum, maximum) { }

    public SettingRangeAttribute(double minimum, double maximum) : base(minimum, maximum) { }

    public SettingRangeAttribute(Type type, string minimum, string maximum) : base(type, minimum, maximum) { }
}
