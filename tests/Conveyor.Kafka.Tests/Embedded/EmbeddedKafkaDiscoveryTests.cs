using System.Diagnostics;
using System.Text.Json;
using Conveyor.Hosting;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Embedded.Discovery;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>The discovery file: written by a service's cluster, found by its commands, removed on exit, ignored when stale.</summary>
public sealed class EmbeddedKafkaDiscoveryTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("conveyor-discovery-").FullName;
    private readonly string contentRoot = Directory.CreateTempSubdirectory("conveyor-app-").FullName;

    [Fact]
    public void Publish_IsFoundByTheSameApplication_NotByAnotherCheckout_AndIsRemovedOnDispose()
    {
        var discovery = new EmbeddedKafkaDiscovery(directory);

        using (var published = discovery.Publish("Shop", contentRoot, "127.0.0.1:1234"))
        {
            File.Exists(published.Path).ShouldBeTrue();
            var found = discovery.FindRunning("Shop", contentRoot).ShouldNotBeNull();
            found.BootstrapServers.ShouldBe("127.0.0.1:1234");
            found.ProcessId.ShouldBe(Environment.ProcessId);
            discovery.FindRunning("Shop", contentRoot + "-elsewhere").ShouldBeNull();
            discovery.FindRunning("OtherApp", contentRoot).ShouldBeNull();
        }

        discovery.FindRunning("Shop", contentRoot).ShouldBeNull();
        Directory.EnumerateFiles(directory).ShouldBeEmpty();
    }

    [Fact]
    public async Task FindRunning_FileOfAProcessThatIsGone_IsIgnoredAndDeleted()
    {
        var discovery = new EmbeddedKafkaDiscovery(directory);
        int deadProcessId;
        DateTime startTime;
        using (var exited = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!)
        {
            deadProcessId = exited.Id;
            startTime = exited.StartTime.ToUniversalTime();
            await exited.WaitForExitAsync().WaitAsync(Eventually.DefaultTimeout);
        }

        var path = WriteRecord(discovery, new EmbeddedKafkaDiscoveryRecord("Shop", contentRoot, "127.0.0.1:1", deadProcessId, startTime));

        discovery.FindRunning("Shop", contentRoot).ShouldBeNull();
        File.Exists(path).ShouldBeFalse("a stale file is cleaned up");
    }

    [Fact]
    public void FindRunning_ProcessIdReusedByAnotherProcess_IsStale()
    {
        var discovery = new EmbeddedKafkaDiscovery(directory);

        // This process's id, but a start time it does not have: the id was reused after the service died.
        WriteRecord(discovery, new EmbeddedKafkaDiscoveryRecord("Shop", contentRoot, "127.0.0.1:1", Environment.ProcessId, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

        discovery.FindRunning("Shop", contentRoot).ShouldBeNull();
    }

    [Fact]
    public void Dispose_FileTakenOverByAnotherInstance_IsLeftAlone()
    {
        var discovery = new EmbeddedKafkaDiscovery(directory);
        var published = discovery.Publish("Shop", contentRoot, "127.0.0.1:1234");
        var other = new EmbeddedKafkaDiscoveryRecord("Shop", contentRoot, "127.0.0.1:5678", Environment.ProcessId + 1, DateTime.UtcNow);
        WriteRecord(discovery, other);

        published.Dispose();

        File.Exists(published.Path).ShouldBeTrue("the file now names another instance");
    }

    [Fact]
    public void UseEmbeddedKafka_ACommand_ConnectsToTheServicesCluster_AndAServicePublishesItsOwn()
    {
        using var service = BuildApp(command: false);
        var serviceKafka = service.GetRequiredService<IOptions<KafkaOptions>>().Value;
        var serviceCluster = service.GetRequiredService<EmbeddedKafkaCluster>();
        serviceKafka.BootstrapServers.ShouldBe(serviceCluster.BootstrapServers);
        Directory.EnumerateFiles(directory).ShouldHaveSingleItem();

        using (var command = BuildApp(command: true))
        {
            command.GetRequiredService<IOptions<KafkaOptions>>().Value.BootstrapServers.ShouldBe(serviceCluster.BootstrapServers);
            Should.Throw<InvalidOperationException>(() => command.GetRequiredService<EmbeddedKafkaCluster>())
                .Message.ShouldContain("runs in another process");
        }

        service.Dispose();
        Directory.EnumerateFiles(directory).ShouldBeEmpty("the service's file goes with its cluster");
    }

    [Fact]
    public void UseEmbeddedKafka_ACommandWithNoServiceRunning_StartsAFreshClusterAndPublishesNothing()
    {
        using var command = BuildApp(command: true);

        var kafka = command.GetRequiredService<IOptions<KafkaOptions>>().Value;

        kafka.BootstrapServers.ShouldBe(command.GetRequiredService<EmbeddedKafkaCluster>().BootstrapServers);
        Directory.EnumerateFiles(directory).ShouldBeEmpty("a command's own cluster is not for other commands");
    }

    public void Dispose()
    {
        Directory.Delete(directory, recursive: true);
        Directory.Delete(contentRoot, recursive: true);
    }

    private ServiceProvider BuildApp(bool command)
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddConveyor(c => c.UseEmbeddedKafka(o =>
        {
            o.BrokerCount = 1;
            o.DiscoveryDirectory = directory;
        }));
        var provider = services.BuildServiceProvider();
        if (command)
        {
            provider.GetRequiredService<ConveyorInvocation>().MarkConveyorCommand();
        }

        return provider;
    }

    private string WriteRecord(EmbeddedKafkaDiscovery discovery, EmbeddedKafkaDiscoveryRecord record)
    {
        Directory.CreateDirectory(directory);
        var path = discovery.PathFor(record.Application, contentRoot);
        File.WriteAllText(path, JsonSerializer.Serialize(record, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        return path;
    }
}
