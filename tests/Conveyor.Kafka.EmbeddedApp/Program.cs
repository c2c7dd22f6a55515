using Conveyor;
using Conveyor.Failures.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A service as 'dotnet new' plus Conveyor makes it: UseEmbeddedKafka, one Kafka channel, RunWithConveyorAsync. Run without
// arguments it is the service, and dead-letters one message; 'conveyor ...' arguments run a command in this process.
var builder = Host.CreateApplicationBuilder(args);

// stdout carries what the tests read (the service's "dead-lettered" line, the commands' tables); logs go to stderr.
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Conveyor.Kafka.Embedded", LogLevel.Information);

builder.Services.AddConveyor(c => c
    .AddHandler<FailingWork>()
    .UseEmbeddedKafka(o => o.BrokerCount = 1)
    .AddKafkaChannel("work", topic: "embedded_app.work"));
if (args.Length == 0)
{
    builder.Services.AddHostedService<DeadLetterOneMessage>();
}

var host = builder.Build();
return await host.RunWithConveyorAsync(args);

public sealed record Work(string Id);

public sealed class FailingWork
{
    [Asynchronous("work")]
    [CommandHandler(EndpointId = "work.fail")]
    public Task Handle(Work work) => throw new InvalidOperationException($"Work {work.Id} always fails.");
}

/// <summary>Once the service runs, sends one message that fails, and prints "dead-lettered &lt;id&gt;" once its dead letter is stored.</summary>
public sealed class DeadLetterOneMessage(ICommandBus commands, IDeadLetters deadLetters, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        await commands.SendAsync(new Work("w-1"), stoppingToken);

        // The dead letter is written by the consumer on its own schedule: look until it is there (the tests give up long before
        // this deadline would matter).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var page = await deadLetters.ListAsync(cancellationToken: deadline.Token);
            if (page.Items.Count > 0)
            {
                Console.WriteLine($"dead-lettered {page.Items[0].Id}");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }
}
