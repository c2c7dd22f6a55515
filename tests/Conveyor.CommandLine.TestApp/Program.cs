using Conveyor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddConveyor(c => c.AddHandler<SlowWork>().AddInMemoryChannel("work"));
var host = builder.Build();

// In-memory channels live in this process: queue what 'conveyor run work' will consume.
var commands = host.Services.GetRequiredService<ICommandBus>();
await commands.SendAsync(new Work("w-1"));
await commands.SendAsync(new Work("w-2"));

var run = host.RunWithConveyorAsync(args);

// System.CommandLine registers its SIGINT/SIGTERM handlers right after it started the command's action, before it hands
// back its task; so once we get ours, a test may send signals.
Console.WriteLine("ready");
return await run;

public sealed record Work(string Id);

public sealed class SlowWork
{
    [Asynchronous("work")]
    [CommandHandler(EndpointId = "work.slow")]
    public async Task Handle(Work work, CancellationToken cancellationToken)
    {
        Console.WriteLine($"handling {work.Id}");

        // In flight until the test writes a line to stdin, which it does once it saw the consumer begin to stop. The token
        // is honoured, as real handlers do: a graceful stop must not cancel it.
        await Task.Run(Console.In.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);
        Console.WriteLine($"handled {work.Id}");
    }
}
