using Conveyor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LeadDistribution;

/// <summary>
/// The scenario <c>dotnet run</c> plays: three leads, one urgent and one in a category no provider serves. Prints what
/// became of each; exits 0 when two leads were assigned (one after a re-offer) and one stopped unmatched.
/// </summary>
public static class LeadDistributionDemo
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<StartLeadMatching> Leads { get; } =
    [
        new("ord-2001", "plumbing", Urgent: false),
        new("ord-2002", "electrical", Urgent: true),
        new("ord-2003", "roofing", Urgent: false),
    ];

    /// <summary>Starts the host (its hosted service consumes the notification step's channel), plays the scenario, stops it.</summary>
    public static async Task<int> RunAsync(IHost host, TextWriter output, CancellationToken cancellationToken = default)
    {
        try
        {
            var services = host.Services;
            var board = services.GetRequiredService<LeadBoard>();
            await host.StartAsync(cancellationToken);

            var orchestrator = services.GetRequiredService<IOrchestrator>();
            foreach (var lead in Leads)
            {
                output.WriteLine($"Starting lead distribution for {lead.OrderId} ({lead.Category}{(lead.Urgent ? ", urgent" : "")})");
                await orchestrator.StartAsync("lead.start", lead, cancellationToken: cancellationToken);
            }

            var settled = true;
            try
            {
                await board.WaitForAsync(Leads.Count, Patience, cancellationToken);
            }
            catch (TimeoutException)
            {
                settled = false;
            }

            await host.StopAsync(cancellationToken);
            output.WriteLine();
            foreach (var lead in Leads)
            {
                output.WriteLine(board.Open.TryGetValue(lead.OrderId, out var open)
                    ? $"  {lead.OrderId}: open for acceptance ({open.Priority}), notified {string.Join(", ", open.ProviderIds)}"
                    : board.Unmatched.TryGetValue(lead.OrderId, out var category)
                        ? $"  {lead.OrderId}: stopped after lead.match, no provider serves {category}"
                        : $"  {lead.OrderId}: not settled");
                if (board.Outcomes.TryGetValue(lead.OrderId, out var outcome))
                {
                    output.WriteLine($"  {lead.OrderId}: {outcome}");
                }
            }

            output.WriteLine();
            output.WriteLine($"Notifications sent: {board.Notifications.Count}; exclusive offers made: {board.Offers.Count}.");
            var expected = board.Open.Count == 2 && board.Outcomes.Count == 2 && board.Unmatched.Count == 1;
            if (!settled || !expected)
            {
                output.WriteLine($"NOT COMPLETE: expected two leads assigned and one unmatched within {Patience.TotalSeconds:0} s.");
                return 1;
            }

            return 0;
        }
        finally
        {
            host.Dispose();
        }
    }
}
