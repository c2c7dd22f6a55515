using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Conveyor.Docs.Tests;

/// <summary>
/// One compilation: a block on its own, or the blocks of a group, plus their contexts. It is compiled as a console
/// application (when a file has top-level statements) or a library, with what <c>dotnet new console</c> sets: C# latest,
/// nullable on, the SDK's implicit usings, and warnings reported (the repository treats them as errors).
/// </summary>
public sealed record SnippetUnit(string Name, IReadOnlyList<MarkdownBlock> Blocks)
{
    /// <summary>The contexts named by any block of the unit.</summary>
    public IReadOnlyList<string> Contexts => Blocks.SelectMany(b => b.Marker.Contexts).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The compilation units of the documented files: one per group, one per ungrouped C# block.</summary>
    public static IReadOnlyList<SnippetUnit> All(string root)
    {
        var units = new List<SnippetUnit>();
        foreach (var file in MarkdownSnippets.DocumentedFiles(root))
        {
            var blocks = MarkdownSnippets.Read(root, file).Where(b => b.IsCSharp && b.Marker.SkipReason is null).ToList();
            units.AddRange(blocks.Where(b => b.Marker.Group is null).Select(b => new SnippetUnit(b.Location, [b])));
            units.AddRange(blocks.Where(b => b.Marker.Group is not null)
                .GroupBy(b => b.Marker.Group!, StringComparer.Ordinal)
                .Select(g => new SnippetUnit($"{file} group {g.Key}", g.ToList())));
        }

        return units;
    }
}

/// <summary>Compiles snippet units with Roslyn and reports their diagnostics at their place in the Markdown file.</summary>
public static class SnippetCompiler
{
    // What 'dotnet new console' (Microsoft.NET.Sdk, ImplicitUsings=enable) brings into scope: a snippet needs every other
    // using itself, exactly as a reader's Program.cs does.
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Regex UsingDirective = new(
        @"^\s*(global\s+)?using\s+(static\s+)?([A-Za-z_][\w]*\s*=\s*)?[A-Za-z_][\w.]*(<[^;]*>)?\s*;\s*(//.*)?$",
        RegexOptions.CultureInvariant);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>Compiles the unit; returns its errors and warnings as <c>README.md(12,5): error CS0616: ...</c>.</summary>
    public static IReadOnlyList<string> Compile(string root, SnippetUnit unit)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.None);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(ImplicitUsings, parseOptions, "ImplicitUsings.g.cs", Encoding.UTF8) };
        var fragment = 0;
        foreach (var block in unit.Blocks)
        {
            var source = block.Marker.Fragment ? WrapFragment(block, fragment++) : $"#line {block.Line} \"{block.File}\"\n{block.Code}";
            trees.Add(CSharpSyntaxTree.ParseText(source, parseOptions, block.File, Encoding.UTF8));
        }

        foreach (var context in unit.Contexts)
        {
            var path = Path.Combine(root, "tests", "Conveyor.Docs.Tests", "Contexts", context + ".cs");
            if (!File.Exists(path))
            {
                return [$"{unit.Name}: context '{context}' does not exist (expected tests/Conveyor.Docs.Tests/Contexts/{context}.cs)"];
            }

            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, $"tests/Conveyor.Docs.Tests/Contexts/{context}.cs", Encoding.UTF8));
        }

        var topLevel = trees.Any(t => t.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>().Any());
        var options = new CSharpCompilationOptions(
                topLevel ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                concurrentBuild: false)
            .WithWarningLevel(9999)
            // What the .NET SDK suppresses in every project (NoWarn 1701;1702): unification of a package's older
            // reference to a framework assembly (Microsoft.Data.Sqlite's System.Data.Common) with the running one.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress });
        var compilation = CSharpCompilation.Create("Snippet", trees, References.Value, options);

        using var pe = new MemoryStream();
        var result = compilation.Emit(pe);
        return result.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
            .OrderBy(d => d.Location.GetMappedLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.GetMappedLineSpan().StartLinePosition.Line)
            .Select(Format)
            .ToList();
    }

    // A fragment is statements: they go into an async method of the partial class Snippets; its leading usings stay
    // usings of the file. '#line' keeps every diagnostic on the Markdown line it is about.
    private static string WrapFragment(MarkdownBlock block, int index)
    {
        var lines = block.Code.Split('\n');
        var usings = 0;
        while (usings < lines.Length && (UsingDirective.IsMatch(lines[usings]) || lines[usings].Trim().Length == 0 || lines[usings].TrimStart().StartsWith("//", StringComparison.Ordinal)))
        {
            usings++;
        }

        var source = new StringBuilder();
        source.Append($"#line {block.Line} \"{block.File}\"\n");
        foreach (var line in lines.Take(usings))
        {
            source.Append(line).Append('\n');
        }

        source.Append("#line hidden\n")
            .Append("internal sealed partial class Snippets\n{\n")
            .Append("#pragma warning disable CS1998 // a fragment need not await\n")
            .Append($"    private async Task Fragment{index}()\n    {{\n")
            .Append("#pragma warning restore CS1998\n")
            .Append($"#line {block.Line + usings} \"{block.File}\"\n");
        foreach (var line in lines.Skip(usings))
        {
            source.Append(line).Append('\n');
        }

        source.Append("#line hidden\n    }\n}\n");
        return source.ToString();
    }

    private static string Format(Diagnostic d)
    {
        var span = d.Location.GetMappedLineSpan();
        var where = span.IsValid
            ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})"
            : "(no location)";
        return $"{where}: {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var list = Path.Combine(AppContext.BaseDirectory, "snippet-references.txt");
        if (!File.Exists(list))
        {
            throw new InvalidOperationException($"{list} is missing: the project's WriteSnippetReferences target writes it when it builds.");
        }

        return File.ReadAllLines(list)
            .Where(path => path.Length > 0 && !Path.GetFileName(path).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
