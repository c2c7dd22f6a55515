using Conveyor;
using Conveyor.AspNetCore;
using Marketplace.Analytics;
using Marketplace.Customer;
using Marketplace.Demo;
using Marketplace.Orders;
using Marketplace.Partners;
using Marketplace.Provider;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// 'dotnet run' plays the demo scenario; 'dotnet run -- conveyor list' (run, dlq ...) is Conveyor's command line.
// '--telemetry' (or Marketplace:Telemetry=true) prints Conveyor's traces and metrics to the console.
// '--admin' also serves the admin page on loopback and keeps running after the scenario;
// it is served without authorization, so it starts only in the Development environment.
var telemetry = args.Contains(Program.TelemetryFlag);
var admin = args.Contains(Program.AdminFlag);
args = [.. args.Where(a => a != Program.TelemetryFlag && a != Program.AdminFlag)];
IHost host;
try
{
    host = Program.CreateHost(args, telemetry, admin);
}
catch (InvalidOperationException e) when (e.Source == typeof(Program).Assembly.GetName().Name)
{
    // The marketplace's own configuration errors (Marketplace:Storage, --admin outside Development): the message is the fix.
    Console.Error.WriteLine(e.Message);
    return 2;
}

return args.Length == 0
    ? await MarketplaceDemo.RunAsync(host, Console.Out, serve: host is WebApplication)
    : await host.RunWithConveyorAsync(args);

public partial class Program
{
    public const string TelemetryFlag = "--telemetry";

    public const string AdminFlag = "--admin";

    /// <summary>Where <c>--admin</c> serves the page unless <c>Marketplace:AdminUrl</c> says otherwise: loopback only.</summary>
    public const string DefaultAdminUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// The marketplace's host. <c>Marketplace:Storage</c> picks the database the orders, the outbox and Conveyor's own
    /// tables are in: <c>Sqlite</c> (the default: <c>marketplace.db</c> next to the application, or
    /// <c>ConnectionStrings:Marketplace</c>) or <c>PostgreSql</c> (<c>ConnectionStrings:Marketplace</c> or
    /// <c>Conveyor:PostgreSql:ConnectionString</c>).
    /// </summary>
    public static IHost CreateHost(string[] args, bool telemetry = false, bool admin = false)
    {
        IHostApplicationBuilder builder = admin
            ? WebApplication.CreateBuilder(args)
            : Host.CreateApplicationBuilder(args);
        if (telemetry || builder.Configuration.GetValue<bool>("Marketplace:Telemetry"))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("marketplace"))
                .WithTracing(tracing => tracing.AddConveyorInstrumentation().AddConsoleExporter())
                .WithMetrics(metrics => metrics.AddConveyorInstrumentation().AddConsoleExporter());
        }

        // The demo prints its own timeline; Conveyor's retry warnings would repeat it with stack traces.
        builder.Logging.AddFilter("Conveyor", LogLevel.Error).AddFilter("Microsoft.Hosting", LogLevel.Warning).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services
            .AddSingleton<OrderBook>()
            .AddHostedService<OrderBookSchema>()
            .AddSingleton<IEmailSender, OutboxEmailSender>()
            .AddSingleton<LeadBoard>()
            .AddSingleton<SalesDashboard>()
            .AddSingleton<IPartnerDirectory>(new SimulatedPartnerDirectory(new Dictionary<string, int> { ["electrical"] = 2 }))
            .AddSingleton<PartnerFeed>()
            .AddSingleton<Timeline>();

        builder.Services.AddConveyor(conveyor =>
        {
            conveyor.ScanAssemblyOf<Program>().AddInterceptor<TimelineInterceptor>();
            UseStorage(conveyor, builder.Configuration);

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
                .AddKafkaChannel("orders", topic: "marketplace.orders")
                .AddKafkaChannel("customer_notifications", topic: "marketplace.customer_notifications")
                .AddKafkaChannel("provider_matching", topic: "marketplace.provider_matching")
                .AddKafkaChannel("analytics", topic: "marketplace.analytics")
                .AddKafkaPublisher("partner_x_publisher", topic: "partner_x.lead.offered.v1");
        });

        return builder is WebApplicationBuilder web ? BuildWithAdmin(web) : ((HostApplicationBuilder)builder).Build();
    }

    /// <summary>
    /// SQLite unless configured otherwise. Both stores bring the unit of work the order handler writes in; SQLite's
    /// brings the outbox, on by default.
    /// </summary>
    private static void UseStorage(ConveyorBuilder conveyor, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Marketplace");
        switch (configuration["Marketplace:Storage"] ?? "Sqlite")
        {
            case var s when s.Equals("Sqlite", StringComparison.OrdinalIgnoreCase):
                conveyor.UseSqlite(connectionString ?? $"Data Source={Path.Combine(AppContext.BaseDirectory, "marketplace.db")}");
                break;
            case var s when s.Equals("PostgreSql", StringComparison.OrdinalIgnoreCase):
                conveyor.UsePostgreSql(connectionString);
                break;
            case var other:
                throw new InvalidOperationException(
                    $"Marketplace:Storage is '{other}'; set it to Sqlite (the default) or PostgreSql, with ConnectionStrings:Marketplace naming the database.");
        }
    }

    /// <summary>
    /// The admin page on <c>Marketplace:AdminUrl</c> (loopback by default). Served without authorization, so only in
    /// the Development environment: a real deployment maps it behind a policy (docs/admin.md).
    /// </summary>
    private static WebApplication BuildWithAdmin(WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{AdminFlag} serves the admin page without authorization, which the marketplace allows only in the Development environment "
                + $"(it is '{builder.Environment.EnvironmentName}'): run with DOTNET_ENVIRONMENT=Development on your own machine, "
                + "or map the page behind an authorization policy as docs/admin.md shows.");
        }

        builder.WebHost.UseUrls(builder.Configuration["Marketplace:AdminUrl"] ?? DefaultAdminUrl);
        var app = builder.Build();
        app.MapConveyorAdmin("/conveyor", o => o.AllowAnonymous = true);
        return app;
    }
}
