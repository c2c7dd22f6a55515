using System.Text.Json;
using System.Text.RegularExpressions;

namespace Conveyor.Docs.Tests;

/// <summary>
/// The C# in README.md, docs/ and the packages' README.md files compiles, as a reader would paste it. How the blocks are
/// compiled and how to mark a fragment: CONTRIBUTING.md and <see cref="SnippetMarker"/>.
/// </summary>
public sealed class DocSnippetTests
{
    private static readonly string Root = MarkdownSnippets.FindRepositoryRoot(AppContext.BaseDirectory);

    public static TheoryData<string> Units() => new(SnippetUnit.All(Root).Select(u => u.Name));

    public static TheoryData<string> JsonBlocks() => new(AllBlocks().Where(b => b.Language == "json").Select(b => b.Location));

    [Theory]
    [MemberData(nameof(Units))]
    public void Snippet_compiles(string unit)
    {
        var snippet = SnippetUnit.All(Root).Single(u => u.Name == unit);

        var problems = SnippetCompiler.Compile(Root, snippet);

        if (problems.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"The C# of {unit} does not compile as a reader would paste it (fix the snippet, or mark it: see CONTRIBUTING.md):\n"
                + string.Join('\n', problems));
        }
    }

    [Fact]
    public void Every_marker_is_valid()
    {
        var problems = AllBlocks()
            .SelectMany(b => b.Marker.Errors.Select(e => $"{b.Location}: {e}"))
            .Concat(AllBlocks()
                .Where(b => b.Marker.Fragment && !b.IsCSharp)
                .Select(b => $"{b.Location}: 'fragment' is for C# blocks"))
            .ToList();

        Fail(problems);
    }

    [Fact]
    public void The_documents_have_CSharp_snippets_to_check()
    {
        // Guards the check itself: a parser that finds nothing passes every snippet.
        SnippetUnit.All(Root).Count.ShouldBeGreaterThan(15);
        AllBlocks().ShouldContain(b => b.File == "README.md" && b.Marker.Group == "getting-started" && b.Marker.FileName == "Program.cs");
    }

    [Theory]
    [MemberData(nameof(JsonBlocks))]
    public void Json_snippet_parses(string location)
    {
        var block = AllBlocks().Single(b => b.Location == location);

        Should.NotThrow(
            () => JsonDocument.Parse(block.Code, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).Dispose(),
            $"{location} is not valid JSON");
    }

    [Fact]
    public void Getting_started_is_the_same_code_in_the_README_and_docs()
    {
        // The README shows the getting-started code, docs/getting-started.md explains it: both must be the same files,
        // and the packaging test runs the README's.
        var readme = GettingStarted("README.md");
        var guide = GettingStarted("docs/getting-started.md");

        readme.Keys.ShouldBe(["OrderHandler.cs", "Program.cs", "appsettings.json"], ignoreOrder: true);
        foreach (var (file, code) in readme)
        {
            guide.ShouldContainKey(file);
            guide[file].ShouldBe(code, $"{file} differs between README.md and docs/getting-started.md");
        }
    }

    [Fact]
    public void Links_between_documents_resolve_inside_the_repository()
    {
        var link = new Regex(@"\]\((?<target>[^)#\s]+)(#[^)\s]*)?\)", RegexOptions.CultureInvariant);
        var problems = new List<string>();
        foreach (var file in MarkdownSnippets.DocumentedFiles(Root).Append("CONTRIBUTING.md"))
        {
            var lines = File.ReadAllLines(Path.Combine(Root, file));
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match m in link.Matches(lines[i]))
                {
                    var target = m.Groups["target"].Value;
                    if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var full = Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(file)!, target));
                    if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || (!File.Exists(full) && !Directory.Exists(full)))
                    {
                        problems.Add($"{file}:{i + 1}: '{target}' is not a file of the repository");
                    }
                }
            }
        }

        Fail(problems);
    }

    [Fact]
    public void Documents_speak_of_the_product_not_of_its_design_notes()
    {
        // The design notes and their numbered seeds are not part of the repository: a reader cannot follow them.
        var jargon = new Regex(@"DESIGN\.md|\bseed\s*\d{3}|\(seed:|\bseed:\s", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        var problems = MarkdownSnippets.DocumentedFiles(Root).Append("CONTRIBUTING.md").Append("samples/Marketplace/README.md")
            .SelectMany(file => File.ReadAllLines(Path.Combine(Root, file)).Select((line, i) => (file, line, i)))
            .Where(x => jargon.IsMatch(x.line))
            .Select(x => $"{x.file}:{x.i + 1}: {x.line.Trim()}")
            .ToList();

        Fail(problems);
    }

    private static void Fail(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(string.Join('\n', problems));
        }
    }

    private static IEnumerable<MarkdownBlock> AllBlocks() =>
        MarkdownSnippets.DocumentedFiles(Root).SelectMany(f => MarkdownSnippets.Read(Root, f));

    private static Dictionary<string, string> GettingStarted(string file) =>
        MarkdownSnippets.Read(Root, file)
            .Where(b => b.Marker.Group == "getting-started" && b.Marker.FileName is not null)
            .ToDictionary(b => b.Marker.FileName!, b => b.Code, StringComparer.Ordinal);
}
