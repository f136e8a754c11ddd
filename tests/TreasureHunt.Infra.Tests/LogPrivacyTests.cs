using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// Logs above Debug carry no personal data: no message template of a LogInformation, LogWarning, LogError
/// or LogCritical call (or Log(LogLevel.…) at those levels) in functions/ and infra/ has a user id, item id, event id,
/// payload or body placeholder, and none is an interpolated string (which would hide such values from this check).
/// The ids go to LogDebug next to the message.
/// </summary>
public sealed partial class LogPrivacyTests
{
    // The call, an optional first argument that is not a string (the exception), then the template literal.
    [GeneratedRegex("""\.Log(?:Information|Warning|Error|Critical)\(\s*(?:[A-Za-z_][\w.]*\s*,\s*)?(?<interpolated>\$?)@?"(?<template>(?:[^"\\]|\\.)*)"|\.Log\(\s*LogLevel\.(?:Information|Warning|Error|Critical)\s*,\s*(?:[A-Za-z_][\w.]*\s*,\s*)?(?<interpolated>\$?)@?"(?<template>(?:[^"\\]|\\.)*)""", RegexOptions.Singleline)]
    private static partial Regex LogCall();

    [GeneratedRegex(@"\{(?:[A-Za-z]*(?:UserId|ItemId|EventId|Payload|Body)|User|Item|Message)(?:[:,][^}]*)?\}", RegexOptions.IgnoreCase)]
    private static partial Regex PersonalPlaceholder();

    [GeneratedRegex(@"\.Log(?:Information|Warning|Error|Critical)\(|\.Log\(\s*LogLevel\.(?:Information|Warning|Error|Critical)")]
    private static partial Regex AnyCallAboveDebug();

    public static IEnumerable<string> SourceFiles() =>
        new[] { "functions", "infra" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(BicepCli.RepositoryRoot, dir), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>The templates of the calls above Debug in <paramref name="source"/>, and how many such calls it has.</summary>
    public static (IReadOnlyList<(string Template, bool Interpolated)> Templates, int Calls) Scan(string source) =>
        (LogCall().Matches(source).Select(m => (m.Groups["template"].Value, m.Groups["interpolated"].Value == "$")).ToList(),
         AnyCallAboveDebug().Matches(source).Count);

    [Fact]
    public void No_log_message_above_debug_names_a_user_an_item_or_a_payload()
    {
        var offending = new List<string>();
        var templates = 0;
        foreach (var path in SourceFiles())
        {
            var (found, calls) = Scan(File.ReadAllText(path));
            var relative = Path.GetRelativePath(BicepCli.RepositoryRoot, path);
            if (found.Count != calls) offending.Add($"{relative}: {calls - found.Count} call(s) above Debug whose template is not a string literal");
            foreach (var (template, interpolated) in found)
            {
                if (interpolated) offending.Add($"{relative}: interpolated template \"{template}\"");
                else if (PersonalPlaceholder().IsMatch(template)) offending.Add($"{relative}: \"{template}\"");
            }
            templates += found.Count;
        }

        Assert.True(templates >= 20, $"only {templates} log templates found: is the scan still reading the sources?");
        Assert.True(offending.Count == 0, "Log messages above Debug with personal data (move the id to a LogDebug):\n" + string.Join("\n", offending));
    }

    [Theory]
    [InlineData("""logger.LogError("Partition {PartitionId}: the document of user {UserId} was refused", p, u);""")]
    [InlineData("""logger.LogWarning(e, "Item {ItemId} failed", id);""")]
    [InlineData("""logger.Log(LogLevel.Information, "Body {Body}", b);""")]
    [InlineData("""logger.LogInformation($"user {user}");""")]
    [InlineData("""logger.LogInformation(template, user);""")]
    public void The_scan_catches_what_it_forbids(string call)
    {
        var (found, calls) = Scan(call);
        Assert.Equal(1, calls);
        Assert.True(found.Count == 0 || found[0].Interpolated || PersonalPlaceholder().IsMatch(found[0].Template));
    }

    [Theory]
    [InlineData("""logger.LogError("Partition {PartitionId}: {Count} messages parked", p, n);""")]
    [InlineData("""logger.LogDebug("the user is {UserId}", u);""")]
    public void The_scan_allows_counts_and_debug(string call)
    {
        var (found, calls) = Scan(call);
        Assert.Equal(found.Count, calls);
        Assert.DoesNotContain(found, f => f.Interpolated || PersonalPlaceholder().IsMatch(f.Template));
    }
}
