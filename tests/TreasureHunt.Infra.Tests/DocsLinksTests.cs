using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// The README and docs/ point a reader to the right place: every relative link resolves to a file and, with a
/// fragment, to a heading of that file (GitHub's anchor rules), and every repository path the README names exists.
/// </summary>
public sealed partial class DocsLinksTests
{
    private static string Root => BicepCli.RepositoryRoot;

    private static IEnumerable<string> MarkdownFiles() =>
        new[] { Path.Combine(Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories));

    [Fact]
    public void Every_relative_link_of_the_README_and_docs_resolves()
    {
        var broken = new List<string>();
        foreach (var file in MarkdownFiles())
        {
            foreach (Match link in Link().Matches(WithoutCodeBlocks(File.ReadAllText(file))))
            {
                var target = link.Groups[1].Value;
                if (Scheme().IsMatch(target))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var fragment = hash < 0 ? "" : target[(hash + 1)..];
                var resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path));
                var where = $"{Path.GetRelativePath(Root, file)}: {target}";
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    broken.Add($"{where} (no such file)");
                }
                else if (fragment.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(fragment))
                {
                    broken.Add($"{where} (no such heading)");
                }
            }
        }

        Assert.True(broken.Count == 0, "broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void Every_repository_path_the_README_names_exists()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var missing = RepositoryPath().Matches(readme)
            .Select(m => m.Groups[1].Value)
            .Where(path => !path.Contains('<', StringComparison.Ordinal))
            .Distinct()
            .Where(path => !File.Exists(Path.Combine(Root, path)) && !Directory.Exists(Path.Combine(Root, path)))
            .ToList();
        Assert.True(missing.Count == 0, "the README names paths that do not exist: " + string.Join(", ", missing));
    }

    /// <summary>The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in WithoutCodeBlocks(File.ReadAllText(file)).Split('\n'))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = NotSlug().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlock().Replace(markdown, "");

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(.*?)\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex NotSlug();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"`((?:functions|infra|features|bicep|tests|docs)/[^`\s]+)`")]
    private static partial Regex RepositoryPath();
}
