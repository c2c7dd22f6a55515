using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conveyor.Tests.Hosting;

public sealed class HostIntegrationTests
{
    public sealed record Greet(string Name);

    public sealed class Greetings
    {
        public TaskCompletionSource<string> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Greeter(Greetings greetings)
    {
        [Asynchronous("greetings")]
        [CommandHandler(EndpointId = "greeter")]
        public void Handle(Greet greet) => greetings.Received.TrySetResult(greet.Name);
    }

    public sealed class Broken
    {
        [Asynchronous("missing")]
        [CommandHandler]
        public void Handle(Greet greet)
        {
        }
    }

    [Fact]
    public async Task HostedService_RunsConsumersUntilTheHostStops()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<Greetings>();
        builder.Services.AddConveyor(c => c.AddHandler<Greeter>().AddInMemoryChannel("greetings"));
        using var host = builder.Build();
        await host.StartAsync();

        await host.Services.GetRequiredService<ICommandBus>().SendAsync(new Greet("Ada"));

        (await host.Services.GetRequiredService<Greetings>().Received.Task.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("Ada");
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task InvalidConfiguration_FailsHostStartWithTheFix()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddConveyor(c => c.AddHandler<Broken>());
        using var host = builder.Build();

        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync());

        error.Message.ShouldContain("[Asynchronous(\"missing\")] names a channel that is not registered");
    }

    [Fact]
    public void Options_BoundFromConfigurationSection()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Conveyor:FinalFailureStrategy"] = "Stop",
            ["Conveyor:DeduplicationRetention"] = "00:05:00",
            ["Conveyor:HostedConsumers:0"] = "orders",
            ["Conveyor:Tracing:RecordMessageDetails"] = "true",
        });
        builder.Services.AddConveyor(c => c.Configure(o => o.DefaultErrorChannel = "errors"));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<ConveyorOptions>>().Value;

        options.FinalFailureStrategy.ShouldBe(FinalFailureStrategy.Stop);
        options.DeduplicationRetention.ShouldBe(TimeSpan.FromMinutes(5));
        options.HostedConsumers.ShouldBe(["orders"]);
        options.DefaultErrorChannel.ShouldBe("errors");
        options.Tracing.RecordMessageDetails.ShouldBeTrue();
    }
}
