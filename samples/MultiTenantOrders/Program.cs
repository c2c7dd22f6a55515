using Conveyor;
using MultiTenantOrders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// 'dotnet run' plays the demo day; 'dotnet run -- conveyor list' (run, dlq ...) is Conveyor's command line.
var host = Program.CreateHost(args);
return args.Length == 0
    ? await OrdersDemo.RunAsync(host, Console.Out)
    : await host.RunWithConveyorAsync(args);

public partial class Program
{
    public static IHost CreateHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.AddFilter("Conveyor", LogLevel.Warning).AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddSingleton<OrderBook>().AddScoped<DailyCapacity>();

        // In memory here; AddSqliteChannel or AddKafkaChannel for the sub-channels change nothing else.
        builder.Services.AddConveyor(conveyor => conveyor
            .ScanAssemblyOf<Program>()
            .AddInMemoryChannel(OrderChannels.Premium)
            .AddInMemoryChannel(OrderChannels.Shared)
            .AddDynamicChannel(OrderChannels.Orders, d => d
                .SendByHeader("tenant", new Dictionary<string, string> { [OrderChannels.PremiumTenant] = OrderChannels.Premium }, OrderChannels.Shared)
                .ReceiveThrottled<DailyCapacity>()));

        return builder.Build();
    }
}
