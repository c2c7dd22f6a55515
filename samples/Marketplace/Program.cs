using Marketplace.Analytics;
using Marketplace.Customer;
using Marketplace.Demo;
using Marketplace.Orders;
using Marketplace.Provider;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// 'dotnet run' plays the demo scenario; 'dotnet run -- conveyor list' (run, dlq ...) is Conveyor's command line.
var host = Program.CreateHost(args);
return args.Length == 0
    ? await MarketplaceDemo.RunAsync(host, Console.Out)
    : await host.RunWithConveyorAsync(args);

public partial class Program
{
    public static IHost CreateHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);

        // The demo prints its own timeline; Conveyor's retry warnings would repeat it with stack traces.
        builder.Logging.AddFilter("Conveyor", LogLevel.Error).AddFilter("Microsoft.Hosting", LogLevel.Warning);

        builder.Services
            .AddSingleton<OrderBook>()
            .AddSingleton<IEmailSender, OutboxEmailSender>()
            .AddSingleton<LeadBoard>()
            .AddSingleton<SalesDashboard>()
            .AddSingleton<IPartnerDirectory>(new SimulatedPartnerDirectory(new Dictionary<string, int> { ["electrical"] = 2 }))
            .AddSingleton<Timeline>();

        builder.Services.AddConveyor(conveyor => conveyor
            .ScanAssemblyOf<Program>()

            // The marketplace's channels, all here. Each subscriber of OrderPlaced has its own, so each one retries and
            // fails on its own. Moving the demo to Kafka replaces these three lines and nothing else.
            .AddInMemoryChannel("customer_notifications")
            .AddInMemoryChannel("provider_matching")
            .AddInMemoryChannel("analytics")

            .AddInterceptor<TimelineInterceptor>());

        return builder.Build();
    }
}
