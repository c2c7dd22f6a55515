using System.Runtime.InteropServices;
using Conveyor;
using Conveyor.Kafka.OrchestratorApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// An orchestrated flow as a user writes it, with two asynchronous steps on Kafka channels. The orchestrator tests
// SIGKILL it while a step runs and start it again: the flow must go on from that step.

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

var services = new ServiceCollection();
services.AddLogging(logging => logging
    .SetMinimumLevel(LogLevel.Warning)
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
services.AddSingleton(arguments);
services.AddSingleton(new Journal(arguments.JournalPath));
services.AddConveyor(c => c
    .ScanAssemblyOf<LeadFlow>()
    .UseKafka(kafka =>
    {
        kafka.BootstrapServers = arguments.BootstrapServers;
        kafka.CreateMissingTopics = true;
        kafka.Consuming.CommitInterval = TimeSpan.FromMilliseconds(100);
        foreach (var (key, value) in arguments.ConsumerProperties)
        {
            kafka.Consumer[key] = value;
        }
    })
    .AddKafkaChannel("lead.match", arguments.MatchTopic, arguments.GroupId)
    .AddKafkaChannel("lead.notify", arguments.NotifyTopic, arguments.GroupId));

await using var provider = services.BuildServiceProvider();
if (arguments.Start is { } orderId)
{
    await provider.GetRequiredService<IOrchestrator>().StartAsync("lead.start", new Lead(orderId));
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
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

var runner = provider.GetRequiredService<IConsumerRunner>();
var runs = new[] { runner.RunAsync("lead.match", cancellationToken: stop.Token), runner.RunAsync("lead.notify", cancellationToken: stop.Token) };
Console.Out.WriteLine($"ready pid={Environment.ProcessId}");
Console.Out.Flush();
var results = await Task.WhenAll(runs);
return results.Sum(r => r.Failed) == 0 ? 0 : 1;
