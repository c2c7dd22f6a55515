namespace Conveyor.Kafka.OrchestratorApp;

/// <summary>The flow's input.</summary>
public sealed record Lead(string OrderId);

/// <summary>What matching found.</summary>
public sealed record Matched(string OrderId, string ProviderId);

/// <summary>
/// Lead distribution in four steps: validate (in-process; sets a header), match (on Kafka channel <c>lead.match</c>),
/// notify (on Kafka channel <c>lead.notify</c>; hangs when the app is told to, so the test can kill it there), record
/// (in-process). Every step writes a journal line as it starts and ends.
/// </summary>
public sealed class LeadFlow(Journal journal, AppArguments arguments)
{
    [Orchestrator("lead.start")]
    public static string[] Plan() => ["lead.validate", "lead.match", "lead.notify", "lead.record"];

    [InternalHandler("lead.validate")]
    public StepResult Validate(Lead lead)
    {
        journal.Write("lead.validate", lead.OrderId);
        return new StepResult(lead, new Dictionary<string, string> { ["region"] = "eu" });
    }

    [InternalHandler("lead.match", EndpointId = "lead.match")]
    public Matched Match(Lead lead)
    {
        journal.Write("lead.match", lead.OrderId);
        return new Matched(lead.OrderId, "p-7");
    }

    [InternalHandler("lead.notify", EndpointId = "lead.notify")]
    public async Task<Matched> Notify(Matched matched, CancellationToken cancellationToken)
    {
        journal.Write("started lead.notify", matched.OrderId);
        if (arguments.HangAt == "lead.notify")
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        journal.Write("lead.notify", matched.OrderId);
        return matched;
    }

    [InternalHandler("lead.record")]
    public Matched Record(Matched matched, [Header("region")] string? region)
    {
        journal.Write("lead.record", $"{matched.OrderId} {matched.ProviderId} region={region}");
        return matched;
    }
}
