using Marketplace.Analytics;
using Marketplace.Customer;
using Marketplace.Demo;
using Marketplace.Orders;
using Marketplace.Partners;
using Marketplace.Provider;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// 'dotnet run' plays the demo scenario; 'dotnet run -- conveyor list' (run, dlq ...) is Conveyor's command line.
// '--telemetry' (or Marketplace:Telemetry=true in the configuration) prints Conveyor's traces and metrics to the console.
var telemetry = args.Contains(Program.TelemetryFlag);
args = [.. args.Where(a => a != Program.TelemetryFlag)];
var host = Program.CreateHost(args, telemetry);
return args.Length == 0
    ? await MarketplaceDemo.RunAsync(host, Console.Out)
    : await host.RunWithConveyorAsync(args);

public partial class Program
{
    public const string TelemetryFlag = "--telemetry";

    public static IHost CreateHost(string[] args, bool telemetry = false)
    {
        var builder = Host.CreateApplicationBuilder(args);
        if (telemetry || builder.Configuration.GetValue<bool>("Marketplace:Telemetry"))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("marketplace"))
                .WithTracing(tracing => tracing.AddConveyorInstrumentation().AddConsoleExporter())
                .WithMetrics(metrics => metrics.AddConveyorInstrumentation().AddConsoleExporter());
        }

        // The demo prints its own timeline; Conveyor's retry warnings would repeat it with stack traces.
        builder.Logging.AddFilter("Conveyor", LogLevel.Error).AddFilter("Microsoft.Hosting", LogLevel.Warning);

        builder.Services
            .AddSingleton<OrderBook>()
            .AddSingleton<IEmailSender, OutboxEmailSender>()
            .AddSingleton<LeadBoard>()
            .AddSingleton<SalesDashboard>()
            .AddSingleton<IPartnerDirectory>(new SimulatedPartnerDirectory(new Dictionary<string, int> { ["electrical"] = 2 }))
            .AddSingleton<PartnerFeed>()
            .AddSingleton<Timeline>();

        builder.Services.AddConveyor(conveyor =>
        {
            conveyor.ScanAssemblyOf<Program>().AddInterceptor<TimelineInterceptor>();

            // Kafka: the cluster named by Conveyor:Kafka:BootstrapServers (appsettings.json or the environment variable
            // Conveyor__Kafka__BootstrapServers), else an embedded Kafka-protocol cluster started in this process.
            if (string.IsNullOrWhiteSpace(builder.Configuration["Conveyor:Kafka:BootstrapServers"]))
            {
                conveyor.UseEmbeddedKafka();
            }
            else
            {
                conveyor.UseKafka();
            }

            // The marketplace's channels, all here. Each subscriber of OrderPlaced has its own, so each one retries and
            // fails on its own; partner X gets its own topic through a named publisher.
            conveyor
                .AddKafkaChannel("customer_notifications", topic: "marketplace.customer_notifications")
                .AddKafkaChannel("provider_matching", topic: "marketplace.provider_matching")
                .AddKafkaChannel("analytics", topic: "marketplace.analytics")
                .AddKafkaPublisher("partner_x_publisher", topic: "partner_x.lead.offered.v1");
        });

        return builder.Build();
    }
}
