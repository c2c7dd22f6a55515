using Conveyor;
using Conveyor.Sqlite.ChannelApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: Conveyor.Sqlite.ChannelApp <database file>. Consumes the 'work' channel until stdin closes.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddConveyor(c => c
    .AddHandler<Worker>()
    .UseSqlite($"Data Source={args[0]}")
    .AddSqliteChannel(Worker.Channel, o => o.PollInterval = TimeSpan.FromMilliseconds(100)));
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"ready pid={Environment.ProcessId}");
await Task.Run(() => Console.In.ReadToEnd());
await host.StopAsync();
