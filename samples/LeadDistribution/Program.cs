using Conveyor;
using LeadDistribution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// 'dotnet run' plays the demo scenario; 'dotnet run -- conveyor list' (run, dlq ...) is Conveyor's command line.
var host = Program.CreateHost(args);
return args.Length == 0
    ? await LeadDistributionDemo.RunAsync(host, Console.Out)
    : await host.RunWithConveyorAsync(args);

public partial class Program
{
    public static IHost CreateHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.AddFilter("Conveyor", LogLevel.Warning).AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddSingleton<ProviderDirectory>().AddSingleton<LeadBoard>();

        // The notification step's channel is in memory here; AddKafkaChannel(...) instead makes the flow survive a
        // crash between its steps (Conveyor.Kafka), with no change to the orchestrator.
        builder.Services.AddConveyor(conveyor => conveyor
            .ScanAssemblyOf<Program>()
            .AddInMemoryChannel(LeadDistributionOrchestrator.NotifyChannel)
            .AddInMemoryChannel(PartnerApps.Channel)
            .AddInMemoryChannel(PartnerAcceptance.TimeoutChannel));

        return builder.Build();
    }
}
