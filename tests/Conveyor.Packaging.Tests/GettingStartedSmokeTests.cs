using System.Security;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Conveyor.Docs;
using Xunit.Abstractions;

namespace Conveyor.Packaging.Tests;

/// <summary>
/// The README's getting-started application, built and run from the packed packages as a user would: in a folder outside
/// the repository (no Directory.Build.props, no project references), with the packages the README tells to add, the
/// Conveyor ones from the local feed only.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class GettingStartedSmokeTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void The_READMEs_getting_started_app_builds_from_the_packages_and_handles_its_command()
    {
        packages.ShouldHavePacked();
        var version = packages.Version;
        var app = Directory.CreateDirectory(Path.Combine(packages.WorkDirectory, "OrderService")).FullName;
        app.ShouldNotStartWith(packages.Root, customMessage: "the application must live outside the repository");

        // What the README says: the packages to add, then Program.cs, the handler and appsettings.json.
        var blocks = MarkdownSnippets.Read(packages.Root, "README.md");
        var files = blocks.Where(b => b.Marker.Group == "getting-started" && b.Marker.FileName is not null).ToList();
        files.Select(b => b.Marker.FileName).ShouldBe(["Program.cs", "OrderHandler.cs", "appsettings.json"], ignoreOrder: true);
        var added = blocks
            .Where(b => b.Language == "bash")
            .SelectMany(b => Regex.Matches(b.Code, @"dotnet add package (?<id>[\w.]+)").Select(m => m.Groups["id"].Value))
            .ToList();
        added.ShouldContain("Conveyor");
        added.ShouldContain("Conveyor.Kafka.Embedded");
        var central = XDocument.Load(Path.Combine(packages.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.Ordinal);

        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(app, file.Marker.FileName!), file.Code);
        }

        // What 'dotnet new console -f net10.0' and 'dotnet add package' write; the Conveyor packages at the version just
        // packed, the others at the versions the repository builds with.
        var references = string.Join("\n", added.Select(id =>
            $"    <PackageReference Include=\"{id}\" Version=\"{(PackagesFixture.PackageIds.Contains(id) ? version : central.GetValueOrDefault(id) ?? throw new Xunit.Sdk.XunitException($"README.md adds {id}, which Directory.Packages.props does not pin"))}\" />"));
        File.WriteAllText(Path.Combine(app, "OrderService.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <!-- Stricter than the template: a package that brings a warning (a version conflict, a vulnerable
                     dependency) fails the test. -->
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);

        // The packages come from a fresh packages folder: the Conveyor ones from the feed only (source mapping), the
        // others from this machine's NuGet cache when it has them (read as a local feed, so nothing is downloaded
        // twice), else from nuget.org. A stale Conveyor package of the same version in the machine cache is never used.
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var packagesFolder = Path.Combine(packages.WorkDirectory, "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="conveyor-local" value="{SecurityElement.Escape(packages.Feed)}" />
                {(Directory.Exists(machineCache) ? $"<add key=\"machine-cache\" value=\"{SecurityElement.Escape(machineCache)}\" />" : "")}
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="conveyor-local">
                  <package pattern="Conveyor" />
                  <package pattern="Conveyor.*" />
                </packageSource>
                {(Directory.Exists(machineCache) ? "<packageSource key=\"machine-cache\"><package pattern=\"*\" /></packageSource>" : "")}
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packagesFolder };

        var build = DotNet.Run(app, TimeSpan.FromMinutes(4), environment, "build", "--configuration", "Release", "--disable-build-servers", "-nodeReuse:false");
        output.WriteLine(build.Describe(20));
        build.ExitCode.ShouldBe(0, $"The getting-started application does not build from the packages.\n{build.Describe()}");
        foreach (var id in added.Where(PackagesFixture.PackageIds.Contains))
        {
            Directory.Exists(Path.Combine(packagesFolder, id.ToLowerInvariant(), version)).ShouldBeTrue($"{id} {version} was not restored from the feed");
        }

        var run = DotNet.Run(app, TimeSpan.FromSeconds(90), environment, "run", "--no-build", "--configuration", "Release");
        output.WriteLine(run.Describe(40));
        run.ExitCode.ShouldBe(0, $"The getting-started application did not exit with 0.\n{run.Describe()}");
        run.Output.ShouldContain("Handled order o-1", customMessage: $"README.md says the application prints 'Handled order o-1'.\n{run.Describe()}");

        // A newcomer's first run logs no warning or error: at shutdown every Kafka client closes before the embedded
        // cluster stops (else each logs "Connection refused" for every broker).
        var complaints = run.Output.Split('\n').Where(line => line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        complaints.ShouldBeEmpty($"The getting-started application logged warnings or errors.\n{run.Describe()}");
    }
}
