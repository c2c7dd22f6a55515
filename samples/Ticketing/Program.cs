using Conveyor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ticketing;
using Ticketing.Notifications;

// 'dotnet run' plays the demo; 'dotnet run -- conveyor list' (run, dlq ...) is Conveyor's command line.
var host = Program.CreateHost(args);
return args.Length == 0
    ? await TicketingDemo.RunAsync(host, Console.Out)
    : await host.RunWithConveyorAsync(args);

public partial class Program
{
    public static IHost CreateHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.AddFilter("Conveyor", LogLevel.Error).AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddSingleton<NotificationLog>();
        builder.Services.AddConveyor(conveyor =>
        {
            // An embedded Kafka-protocol cluster in this process: no broker to install. Aggregates are kept by the
            // in-memory store; UseSqlite("Data Source=ticketing.db") keeps them in a file, in each message's transaction.
            conveyor.ScanAssemblyOf<Program>()
                .UseEmbeddedKafka()
                .AddKafkaChannel("tickets", topic: "ticketing.tickets")
                .AddKafkaChannel("ticket_events", topic: "ticketing.ticket_events");
        });

        return builder.Build();
    }
}
