using System.Runtime.InteropServices;
using Conveyor;
using Conveyor.Kafka.ConsumerApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// A Conveyor service as a user writes it: one Kafka channel, one asynchronous command handler whose effect goes to
// SQLite, deduplication in the same database. The reliability tests run several of these and SIGKILL them.

if (args is ["--help"] or ["-h"])
{
    Console.Out.WriteLine(AppArguments.Usage);
    return 0;
}

AppArguments arguments;
try
{
    arguments = AppArguments.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(AppArguments.Usage);
    return 2;
}

using var database = new WorkDatabase(arguments.DatabasePath);
database.EnsureSchema();

var services = new ServiceCollection();
services.AddLogging(logging => logging
    .SetMinimumLevel(LogLevel.Warning)
    .AddSimpleConsole(o => o.SingleLine = true)
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
services.AddSingleton(database);
services.AddConveyor(c => c
    .ScanAssemblyOf<WorkHandler>()
    .UseKafka(kafka =>
    {
        kafka.BootstrapServers = arguments.BootstrapServers;
        kafka.CreateMissingTopics = true;
        foreach (var (key, value) in arguments.ConsumerProperties)
        {
            kafka.Consumer[key] = value;
        }
    })
    .AddKafkaChannel(WorkContract.Channel, arguments.Topic, arguments.GroupId)
    .UseDeduplicationStore<SqliteDeduplicationStore>());

await using var provider = services.BuildServiceProvider();
var runner = provider.GetRequiredService<IConsumerRunner>();

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
if (arguments.StopOnEndOfInput)
{
    new Thread(() =>
    {
        using var input = Console.OpenStandardInput();
        var buffer = new byte[64];
        while (input.Read(buffer) > 0)
        {
        }

        stop.Cancel();
    })
    { IsBackground = true, Name = "stdin watch" }.Start();
}

var run = runner.RunAsync(WorkContract.Channel, new ConsumerRunOptions { StopWhenEmpty = arguments.StopWhenEmpty }, stop.Token);
Console.Out.WriteLine($"ready pid={Environment.ProcessId}");
Console.Out.Flush();
var result = await run;
Console.Out.WriteLine($"stopped finished={result.Finished} failed={result.Failed} reason={result.StopReason}");
return result.Failed == 0 ? 0 : 1;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
