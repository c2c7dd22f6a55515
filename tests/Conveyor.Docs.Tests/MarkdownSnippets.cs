using System.Text;
using System.Text.RegularExpressions;

namespace Conveyor.Docs;

/// <summary>
/// A fenced code block of a Markdown file, with the <c>&lt;!-- snippet: ... --&gt;</c> marker on the line before it, if any.
/// </summary>
/// <param name="File">The Markdown file, relative to the repository root, with '/' separators.</param>
/// <param name="Line">The 1-based line of the block's first line of code.</param>
/// <param name="Language">The fence's language (<c>csharp</c>, <c>json</c>, ...), lower case; empty when none.</param>
/// <param name="Code">The code, with the fence's indentation removed.</param>
/// <param name="Marker">The marker; <see cref="SnippetMarker.None"/> when the block has none.</param>
public sealed record MarkdownBlock(string File, int Line, string Language, string Code, SnippetMarker Marker)
{
    /// <summary>Where the block is, as <c>README.md:42</c>.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>Whether the block is C#.</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";
}

/// <summary>
/// How a code block is compiled. The marker is an HTML comment on the line just before the fence (invisible on GitHub and
/// nuget.org), holding space-separated options:
/// <list type="bullet">
/// <item><c>group=NAME</c>: compiled together with the other blocks of the same group in the same file, as the files of
/// one project (e.g. a <c>Program.cs</c> and the handler it uses).</item>
/// <item><c>file=NAME</c>: the name of the block's file in its group (what a reader would save it as).</item>
/// <item><c>context=NAME</c>: also compile <c>tests/Conveyor.Docs.Tests/Contexts/NAME.cs</c>, which declares what the
/// block uses but does not show (the application's own types, a <c>builder</c> variable for a fragment).</item>
/// <item><c>fragment</c>: the block is statements from the middle of a method; it is compiled inside an async method of
/// the partial class <c>Snippets</c> (which a context may give fields). Its leading <c>using</c> lines stay usings.</item>
/// <item><c>skip REASON</c>: not compiled; the reason is required.</item>
/// </list>
/// A block without a marker must compile on its own, as the only file of a console application.
/// </summary>
public sealed record SnippetMarker(string? Group, string? FileName, IReadOnlyList<string> Contexts, bool Fragment, string? SkipReason, IReadOnlyList<string> Errors)
{
    /// <summary>No marker.</summary>
    public static SnippetMarker None { get; } = new(null, null, [], false, null, []);

    private static readonly Regex Name = new("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);

    /// <summary>Parses the text between <c>snippet:</c> and <c>--&gt;</c>.</summary>
    public static SnippetMarker Parse(string text)
    {
        text = text.Trim();
        if (text == "skip" || text.StartsWith("skip ", StringComparison.Ordinal) || text.StartsWith("skip:", StringComparison.Ordinal))
        {
            var reason = text[4..].TrimStart(':', ' ').Trim();
            return None with { SkipReason = reason, Errors = reason.Length == 0 ? ["'skip' needs a reason: <!-- snippet: skip why it cannot compile -->"] : [] };
        }

        string? group = null, file = null;
        var contexts = new List<string>();
        var fragment = false;
        var errors = new List<string>();
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? token : token[..equals];
            var value = equals < 0 ? null : token[(equals + 1)..];
            switch (key)
            {
                case "fragment" when value is null:
                    fragment = true;
                    break;
                case "group" or "file" or "context" when value is not null && Name.IsMatch(value):
                    if (key == "group") group = value;
                    else if (key == "file") file = value;
                    else contexts.Add(value);
                    break;
                default:
                    errors.Add($"unknown marker option '{token}' (known: group=NAME, file=NAME, context=NAME, fragment, skip REASON)");
                    break;
            }
        }

        return new SnippetMarker(group, file, contexts, fragment, null, errors);
    }
}

/// <summary>Reads the fenced code blocks of Markdown files.</summary>
public static class MarkdownSnippets
{
    private static readonly Regex Fence = new(@"^(?<indent>[ \t]*)(?<fence>```+)\s*(?<lang>[^\s`]*)[^`]*$", RegexOptions.CultureInvariant);
    private static readonly Regex Marker = new(@"^\s*<!--\s*snippet:(?<text>.*?)-->\s*$", RegexOptions.CultureInvariant);

    /// <summary>The Markdown files whose snippets are checked: README.md, docs/*.md and each package's README.md.</summary>
    public static IReadOnlyList<string> DocumentedFiles(string root)
    {
        var files = new List<string> { "README.md" };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Select(f => Relative(root, f)));
        files.AddRange(Directory.GetDirectories(Path.Combine(root, "src"))
            .Select(d => Path.Combine(d, "README.md"))
            .Where(File.Exists)
            .Select(f => Relative(root, f)));
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Every fenced block of the file, in order.</summary>
    /// <param name="root">The repository root.</param>
    /// <param name="relativePath">The file, relative to the root.</param>
    public static IReadOnlyList<MarkdownBlock> Read(string root, string relativePath)
    {
        var lines = File.ReadAllLines(Path.Combine(root, relativePath));
        var blocks = new List<MarkdownBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence.Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var indent = open.Groups["indent"].Value.Length;
            var fence = open.Groups["fence"].Value;
            var code = new StringBuilder();
            var start = i + 1;
            var end = start;
            while (end < lines.Length && lines[end].Trim() != fence)
            {
                var line = lines[end];
                var strip = Math.Min(indent, line.Length - line.TrimStart().Length);
                code.Append(line, strip, line.Length - strip).Append('\n');
                end++;
            }

            var marker = SnippetMarker.None;
            var previous = i - 1;
            while (previous >= 0 && lines[previous].Trim().Length == 0)
            {
                previous--;
            }

            if (previous >= 0 && Marker.Match(lines[previous]) is { Success: true } m)
            {
                marker = SnippetMarker.Parse(m.Groups["text"].Value);
            }

            blocks.Add(new MarkdownBlock(relativePath.Replace('\\', '/'), start + 1, open.Groups["lang"].Value.ToLowerInvariant(), code.ToString(), marker));
            i = end;
        }

        return blocks;
    }

    /// <summary>The repository root: the nearest folder above <paramref name="start"/> holding Conveyor.slnx.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conveyor.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Conveyor.slnx above {start}: run the tests from the repository.");
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
