using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Conveyor.Packaging.Tests;

/// <summary>What every package carries: identity, version, license, authors, readme, sources, dependencies.</summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageMetadataTests(PackagesFixture packages)
{
    // What each package may depend on. The Conveyor packages depend on each other's exact version (one family, one
    // version); the others must be at the version Directory.Packages.props pins.
    private static readonly Dictionary<string, string[]> ExpectedDependencies = new(StringComparer.Ordinal)
    {
        ["Conveyor"] =
        [
            "Microsoft.Extensions.Configuration.Binder", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting.Abstractions",
            "Microsoft.Extensions.Logging", "Microsoft.Extensions.Options.ConfigurationExtensions",
            "Microsoft.Extensions.Diagnostics.HealthChecks", "Microsoft.Extensions.Diagnostics.HealthChecks.Abstractions", "System.IO.Hashing",
        ],
        ["Conveyor.Kafka"] = ["Conveyor", "Confluent.Kafka", "Microsoft.Extensions.Logging.Abstractions"],
        ["Conveyor.Kafka.Embedded"] = ["Conveyor.Kafka", "Confluent.Kafka", "Microsoft.Extensions.Logging.Abstractions"],
        ["Conveyor.CommandLine"] = ["Conveyor", "Microsoft.Extensions.Hosting.Abstractions", "System.CommandLine"],
        ["Conveyor.Testing"] = ["Conveyor", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.TimeProvider.Testing"],
        ["Conveyor.EntityFrameworkCore"] = ["Conveyor", "Microsoft.EntityFrameworkCore.Relational"],
        ["Conveyor.Sqlite"] = ["Conveyor", "Microsoft.Data.Sqlite", "SQLitePCLRaw.bundle_e_sqlite3", "SQLitePCLRaw.core", "Microsoft.Extensions.Hosting.Abstractions", "Microsoft.Extensions.Logging.Abstractions"],
        ["Conveyor.PostgreSql"] = ["Conveyor", "Npgsql", "Microsoft.Extensions.Hosting.Abstractions", "Microsoft.Extensions.Logging.Abstractions"],
        ["Conveyor.OpenTelemetry"] = ["Conveyor", "OpenTelemetry.Extensions.Hosting"],
        ["Conveyor.AspNetCore"] = ["Conveyor"],
    };

    public static TheoryData<string> Ids() => new(PackagesFixture.PackageIds);

    [Fact]
    public void Every_package_is_packed_and_shares_one_version()
    {
        packages.ShouldHavePacked();
        var versions = PackagesFixture.PackageIds.ToDictionary(id => id, id => packages.ReadNuspec(id).Metadata("version"));

        versions.Values.Distinct().Count().ShouldBe(1, "the packages are one family, released under one version: " + string.Join(", ", versions));
    }

    [Fact]
    public void The_version_comes_from_git()
    {
        var version = packages.Version;
        var exactTag = DotNet.Git(packages.Root, "describe", "--tags", "--exact-match", "--match", "v[0-9]*", "HEAD");
        var anyTag = DotNet.Git(packages.Root, "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD");

        Regex.IsMatch(version, @"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$").ShouldBeTrue($"'{version}' is not a SemVer 2 version");
        if (exactTag is not null)
        {
            version.ShouldBe(exactTag.TrimStart('v'), "a tagged commit builds the tag's version");
        }
        else if (anyTag is null)
        {
            // Before the first tag: a pre-release of 0.1.0 whose last number is the commit's height, so that each commit
            // builds a version of its own and a rebuilt package never meets an older one in the NuGet cache. (A shallow
            // clone of one commit has height 0.)
            version.ShouldMatch(@"^0\.1\.0-alpha\.0\.\d+$");
        }
        else
        {
            version.ShouldContain("-", customMessage: $"a commit after the tag {anyTag} builds a pre-release, not {version}");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_metadata_is_complete(string id)
    {
        var nuspec = packages.ReadNuspec(id);

        nuspec.Metadata("id").ShouldBe(id);
        nuspec.Metadata("authors").ShouldBe("Conveyor contributors");
        nuspec.Metadata("copyright").ShouldBe("Copyright (c) 2026 Conveyor contributors");
        nuspec.Element("license").ShouldNotBeNull("no <license>");
        ((string?)nuspec.Element("license")!.Attribute("type")).ShouldBe("expression");
        nuspec.Metadata("license").ShouldBe("MIT");
        nuspec.Metadata("description").Length.ShouldBeGreaterThan(40, "a package needs a description of its own");
        nuspec.Metadata("description").ShouldNotBe("Package Description");
        nuspec.Metadata("readme").ShouldBe("README.md");
        nuspec.Metadata("tags").Split(' ').ShouldContain("conveyor");
        Uri.TryCreate(nuspec.Metadata("projectUrl"), UriKind.Absolute, out _).ShouldBeTrue("projectUrl");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_holds_the_assembly_its_docs_the_license_and_its_readme(string id)
    {
        using var zip = ZipFile.OpenRead(packages.PackagePath(id));
        var files = zip.Entries.Select(e => e.FullName)
            .Where(f => !f.StartsWith("_rels/", StringComparison.Ordinal) && !f.StartsWith("package/", StringComparison.Ordinal) && f != "[Content_Types].xml")
            .Order(StringComparer.Ordinal)
            .ToList();

        files.ShouldBe(new[] { "LICENSE", "README.md", $"lib/net10.0/{id}.dll", $"lib/net10.0/{id}.xml", $"{id}.nuspec" }.Order(StringComparer.Ordinal).ToList());
        Read(zip, "LICENSE").ShouldContain("Copyright (c) 2026 Conveyor contributors");
        Read(zip, "LICENSE").ShouldStartWith("MIT License");
        Read(zip, "README.md").ShouldStartWith($"# {id}\n");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_depends_on_what_it_uses_and_nothing_else(string id)
    {
        var nuspec = packages.ReadNuspec(id);
        var central = CentralVersions(packages.Root);

        var groups = nuspec.DependencyGroups;
        groups.Count.ShouldBe(1, "one dependency group, for net10.0");
        groups[0].TargetFramework.ShouldBe("net10.0");
        var dependencies = groups[0].Dependencies;
        dependencies.Select(d => d.Id).Order(StringComparer.Ordinal).ShouldBe(ExpectedDependencies[id].Order(StringComparer.Ordinal),
            $"{id} depends on: {string.Join(", ", dependencies.Select(d => $"{d.Id} {d.Version}"))}");
        foreach (var (dependency, range) in dependencies)
        {
            if (PackagesFixture.PackageIds.Contains(dependency))
            {
                range.ShouldBe($"[{packages.Version}]", $"{id} must depend on exactly its own version of {dependency}");
            }
            else
            {
                central.ShouldContainKey(dependency);
                range.ShouldBe(central[dependency], $"{id}'s dependency {dependency} is not at the version Directory.Packages.props pins");
            }
        }
    }

    [Fact]
    public void Core_carries_no_transport_and_no_command_line()
    {
        var core = packages.ReadNuspec("Conveyor").DependencyGroups.SelectMany(g => g.Dependencies).Select(d => d.Id).ToList();

        core.ShouldNotContain("Confluent.Kafka");
        core.ShouldNotContain("System.CommandLine");
        core.ShouldNotContain(d => d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || d == "MinVer", "build-time tools are not dependencies");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_names_its_repository_commit(string id)
    {
        var repository = packages.ReadNuspec(id).Element("repository");

        repository.ShouldNotBeNull("no <repository>: SourceLink found no git repository");
        ((string?)repository.Attribute("type")).ShouldBe("git");
        ((string?)repository.Attribute("commit")).ShouldBe(packages.HeadCommit);
        var origin = DotNet.Git(packages.Root, "remote", "get-url", "origin");
        if (origin is not null && origin.Contains("://", StringComparison.Ordinal))
        {
            ((string?)repository.Attribute("url")).ShouldNotBeNullOrEmpty("the repository has a remote, so the package names it");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Symbols_package_has_a_portable_pdb_that_matches_the_assembly_and_names_the_commit(string id)
    {
        using var package = ZipFile.OpenRead(packages.PackagePath(id));
        using var symbols = ZipFile.OpenRead(packages.PackagePath(id, ".snupkg"));
        var pdbEntry = symbols.GetEntry($"lib/net10.0/{id}.pdb");
        pdbEntry.ShouldNotBeNull($"{id}.snupkg has no lib/net10.0/{id}.pdb");

        var dll = ReadBytes(package, $"lib/net10.0/{id}.dll");
        var pdb = ReadBytes(symbols, $"lib/net10.0/{id}.pdb");
        using var pe = new PEReader(new MemoryStream(dll));
        var codeView = pe.ReadDebugDirectory().Where(e => e.Type == DebugDirectoryEntryType.CodeView).Select(e => pe.ReadCodeViewDebugDirectoryData(e)).Single();
        using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        var reader = provider.GetMetadataReader();
        new BlobContentId(reader.DebugMetadataHeader!.Id).Guid.ShouldBe(codeView.Guid, "the snupkg's PDB was built with another assembly");

        // The assembly's informational version names the version and the commit it was built from.
        var informational = pe.GetMetadataReader().GetAssemblyDefinition().GetCustomAttributes()
            .Select(h => pe.GetMetadataReader().GetCustomAttribute(h))
            .Select(a => Encoding.UTF8.GetString(pe.GetMetadataReader().GetBlobBytes(a.Value)))
            .FirstOrDefault(v => v.Contains(packages.Version + "+", StringComparison.Ordinal));
        informational.ShouldNotBeNull($"no AssemblyInformationalVersion {packages.Version}+<commit> in {id}.dll");
        informational.ShouldContain(packages.HeadCommit ?? "no commit");

        // SourceLink: with a remote, the PDB maps every source file to the commit on it. Files git does not track
        // (generated sources) are embedded in the PDB.
        var sourceLink = reader.CustomDebugInformation
            .Select(h => reader.GetCustomDebugInformation(h))
            .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
            .SingleOrDefault();
        var embedded = reader.CustomDebugInformation
            .Select(h => reader.GetCustomDebugInformation(h))
            .Count(c => reader.GetGuid(c.Kind) == EmbeddedSourceKind);
        embedded.ShouldBeGreaterThan(0, "generated sources are embedded (EmbedUntrackedSources)");
        var origin = DotNet.Git(packages.Root, "remote", "get-url", "origin");
        if (origin is not null && origin.Contains("github.com", StringComparison.OrdinalIgnoreCase))
        {
            sourceLink.ShouldNotBeNull("a GitHub remote, but no SourceLink in the PDB");
            sourceLink.ShouldContain(packages.HeadCommit!);
        }
    }

    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");
    private static readonly Guid EmbeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    private static Dictionary<string, string> CentralVersions(string root) =>
        XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.Ordinal);

    private static string Read(ZipArchive zip, string name) => Encoding.UTF8.GetString(ReadBytes(zip, name)).Replace("\r\n", "\n", StringComparison.Ordinal);

    private static byte[] ReadBytes(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"{name} is not in the package");
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
