using System.IO.Compression;
using System.Xml.Linq;
using Conveyor.Docs;

namespace Conveyor.Packaging.Tests;

/// <summary>
/// Packs the solution once into a temporary folder feed. With <c>CONVEYOR_PACKAGING_NO_BUILD=1</c> (set by tests/run.sh,
/// right after the solution's Release build) it packs what is built; otherwise it builds Release first.
/// </summary>
public sealed class PackagesFixture : IDisposable
{
    /// <summary>The packages the repository publishes.</summary>
    public static readonly string[] PackageIds = ["Conveyor", "Conveyor.Kafka", "Conveyor.Kafka.Embedded", "Conveyor.CommandLine", "Conveyor.Testing", "Conveyor.Sqlite", "Conveyor.PostgreSql", "Conveyor.EntityFrameworkCore", "Conveyor.OpenTelemetry", "Conveyor.AspNetCore"];

    public PackagesFixture()
    {
        Root = MarkdownSnippets.FindRepositoryRoot(AppContext.BaseDirectory);
        WorkDirectory = Directory.CreateTempSubdirectory("conveyor-packaging-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(WorkDirectory, "feed")).FullName;
        HeadCommit = DotNet.Git(Root, "rev-parse", "HEAD");

        var noBuild = Environment.GetEnvironmentVariable("CONVEYOR_PACKAGING_NO_BUILD") == "1";
        string[] arguments = ["pack", Path.Combine(Root, "Conveyor.slnx"), "--configuration", "Release", "--output", Feed, "-nodeReuse:false"];
        Pack = DotNet.Run(Root, TimeSpan.FromMinutes(noBuild ? 3 : 10), null, noBuild ? [.. arguments, "--no-build"] : arguments);
    }

    /// <summary>The repository root.</summary>
    public string Root { get; }

    /// <summary>The temporary folder: the feed, and the smoke test's application beside it.</summary>
    public string WorkDirectory { get; }

    /// <summary>The folder feed the packages were written to.</summary>
    public string Feed { get; }

    /// <summary>The commit the packages were built from, or null outside a git repository.</summary>
    public string? HeadCommit { get; }

    /// <summary>The pack command's outcome.</summary>
    public CommandResult Pack { get; }

    /// <summary>The version every package was packed with (read from Conveyor's package).</summary>
    public string Version => ReadNuspec("Conveyor").Metadata("version");

    /// <summary>Fails with the pack command's output when it failed.</summary>
    public void ShouldHavePacked()
    {
        if (Pack.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"Packing failed.\n{Pack.Describe()}");
        }
    }

    /// <summary>The path of the package's .nupkg (or .snupkg); fails when there is not exactly one.</summary>
    public string PackagePath(string id, string extension = ".nupkg")
    {
        ShouldHavePacked();
        var matches = Directory.GetFiles(Feed, $"{id}.*{extension}")
            .Where(f => IsVersionOf(id, Path.GetFileName(f), extension))
            .ToList();
        if (matches.Count != 1)
        {
            throw new Xunit.Sdk.XunitException(
                $"Expected one {id}{extension} in the feed, found {matches.Count}. The feed holds: {string.Join(", ", Directory.GetFiles(Feed).Select(f => Path.GetFileName(f)))}");
        }

        return matches[0];
    }

    /// <summary>The package's nuspec.</summary>
    public Nuspec ReadNuspec(string id)
    {
        using var zip = ZipFile.OpenRead(PackagePath(id));
        var entry = zip.Entries.Single(e => e.FullName == $"{id}.nuspec");
        using var stream = entry.Open();
        return new Nuspec(XDocument.Load(stream));
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("CONVEYOR_PACKAGING_KEEP") != "1")
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold a file; the folder is in the temporary directory.
            }
        }
    }

    // "Conveyor.Kafka.0.1.0-alpha.0.5.nupkg" is a version of Conveyor.Kafka, not of Conveyor.
    private static bool IsVersionOf(string id, string fileName, string extension) =>
        fileName.StartsWith(id + ".", StringComparison.Ordinal)
        && fileName.EndsWith(extension, StringComparison.Ordinal)
        && char.IsAsciiDigit(fileName[id.Length + 1]);
}

/// <summary>A package's manifest.</summary>
public sealed class Nuspec(XDocument document)
{
    private readonly XElement _metadata = document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    /// <summary>The text of a metadata element; empty when absent.</summary>
    public string Metadata(string name) => Element(name)?.Value.Trim() ?? "";

    /// <summary>A metadata element, or null.</summary>
    public XElement? Element(string name) => _metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);

    /// <summary>
    /// The dependency groups: each group's target framework (null for a dependency outside any group) and its
    /// dependencies' ids and version ranges.
    /// </summary>
    public IReadOnlyList<DependencyGroup> DependencyGroups
    {
        get
        {
            var groups = new List<DependencyGroup>();
            foreach (var element in Element("dependencies")?.Elements() ?? [])
            {
                if (element.Name.LocalName == "group")
                {
                    var dependencies = element.Elements().Select(d => new Dependency((string)d.Attribute("id")!, (string?)d.Attribute("version") ?? "")).ToList();
                    groups.Add(new DependencyGroup((string?)element.Attribute("targetFramework"), dependencies));
                }
                else
                {
                    groups.Add(new DependencyGroup(null, [new Dependency((string)element.Attribute("id")!, (string?)element.Attribute("version") ?? "")]));
                }
            }

            return groups;
        }
    }
}

/// <summary>A dependency group of a nuspec.</summary>
public sealed record DependencyGroup(string? TargetFramework, IReadOnlyList<Dependency> Dependencies);

/// <summary>A dependency: the package id and its version range as the nuspec writes it.</summary>
public sealed record Dependency(string Id, string Version);

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    public const string Name = "packages";
}
