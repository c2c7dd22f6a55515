using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>
/// The embedded default across processes, as a user meets it: the service runs in one terminal, and <c>dotnet run --
/// conveyor dlq list</c> in a second one sees what the service did, through the service's discovery file.
/// </summary>
public sealed class EmbeddedAcrossProcessesTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    // Each test is an application checkout of its own: the content root keys the discovery file.
    private readonly string contentRoot = Directory.CreateTempSubdirectory("conveyor-xproc-").FullName;

    [LinuxFact]
    public async Task DlqList_InASecondProcess_SeesTheDeadLetterOfTheRunningService_AndTheFileGoesWithTheService()
    {
        await using var service = EmbeddedAppProcess.Start(contentRoot);
        var started = await service.WaitForLineAsync(l => l.Contains("Embedded Kafka cluster started at", StringComparison.Ordinal), onStandardError: true, Patience);
        var discoveryFile = started[(started.LastIndexOf(" through ", StringComparison.Ordinal) + " through ".Length)..].Trim();
        File.Exists(discoveryFile).ShouldBeTrue(service.Transcript);
        var deadLettered = await service.WaitForLineAsync(l => l.StartsWith("dead-lettered ", StringComparison.Ordinal), timeout: Patience);
        var deadLetterId = deadLettered["dead-lettered ".Length..];

        await using (var command = EmbeddedAppProcess.Start(contentRoot, "conveyor", "dlq", "list"))
        {
            (await command.WaitForExitAsync(Patience)).ShouldBe(0, command.Transcript);
            command.StandardOutput.ShouldContain(l => l.StartsWith(deadLetterId, StringComparison.Ordinal), command.Transcript);
            command.StandardOutput.ShouldContain("1 dead letter(s).", command.Transcript);
            command.StandardError.ShouldContain(
                l => l.StartsWith("Using the embedded Kafka cluster of Conveyor.Kafka.EmbeddedApp's running service (process " + service.Id, StringComparison.Ordinal),
                command.Transcript);
            command.StandardError.ShouldNotContain(l => l.Contains("fresh, empty", StringComparison.Ordinal), command.Transcript);
        }

        await service.TerminateAsync();
        (await service.WaitForExitAsync(Patience)).ShouldBe(0, service.Transcript);
        File.Exists(discoveryFile).ShouldBeFalse("the service removes its discovery file when it stops");
    }

    [Fact]
    public async Task DlqList_WithNoServiceRunning_SaysItStartedAFreshEmptyCluster()
    {
        await using var command = EmbeddedAppProcess.Start(contentRoot, "conveyor", "dlq", "list");

        (await command.WaitForExitAsync(Patience)).ShouldBe(0, command.Transcript);
        command.StandardOutput.ShouldContain("No dead letters.", command.Transcript);
        var notice = command.StandardError.Where(l => l.Contains("fresh, empty embedded Kafka cluster", StringComparison.Ordinal)).ShouldHaveSingleItem(command.Transcript);
        notice.ShouldStartWith("No running service of Conveyor.Kafka.EmbeddedApp was found (content root ");
        notice.ShouldContain("Start the service first (dotnet run, in another terminal)");
    }

    [LinuxFact]
    public async Task Command_AfterTheServiceWasKilled_IgnoresItsStaleFile()
    {
        string discoveryFile;
        await using (var service = EmbeddedAppProcess.Start(contentRoot))
        {
            var started = await service.WaitForLineAsync(l => l.Contains("Embedded Kafka cluster started at", StringComparison.Ordinal), onStandardError: true, Patience);
            discoveryFile = started[(started.LastIndexOf(" through ", StringComparison.Ordinal) + " through ".Length)..].Trim();
            await service.KillAsync();
        }

        File.Exists(discoveryFile).ShouldBeTrue("a killed service cannot remove its file");

        await using var command = EmbeddedAppProcess.Start(contentRoot, "conveyor", "dlq", "list");
        (await command.WaitForExitAsync(Patience)).ShouldBe(0, command.Transcript);
        command.StandardError.ShouldContain(l => l.StartsWith("No running service of Conveyor.Kafka.EmbeddedApp was found", StringComparison.Ordinal), command.Transcript);
        File.Exists(discoveryFile).ShouldBeFalse("the command deletes the stale file it found");
    }

    public void Dispose() => Directory.Delete(contentRoot, recursive: true);
}
