using System.Collections.Concurrent;
using Conveyor.Channels;
using Conveyor.Channels.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// <c>[Asynchronous("db", "memory")]</c>: the message is sent to the first channel, forwarded when received there, and
/// handled when received from the last.
/// </summary>
public sealed class ChainedChannelsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDatabase _file = new();

    public sealed record Notify(string Id);

    public sealed class Notified
    {
        public ConcurrentQueue<string> Ids { get; } = new();
    }

    public sealed class Notifications(Notified notified)
    {
        [Asynchronous("outbox", "notifications")]
        [CommandHandler(EndpointId = "notify")]
        public void Handle(Notify command) => notified.Ids.Enqueue(command.Id);
    }

    public sealed class Misnamed
    {
        [Asynchronous("outbox", "notifcations")]
        [CommandHandler(EndpointId = "misnamed")]
        public void Handle(Notify command)
        {
        }
    }

    public sealed class MisnamedFirst
    {
        [Asynchronous("outbx", "notifications")]
        [CommandHandler(EndpointId = "misnamed-first")]
        public void Handle(Notify command)
        {
        }
    }

    [Fact]
    public async Task Chain_SendsToTheFirstChannel_ForwardsToTheNext_AndHandlesFromTheLast()
    {
        var notified = new Notified();
        await using var provider = Build(c => c.AddHandler<Notifications>(), s => s.AddSingleton(notified));
        var bus = provider.GetRequiredService<ICommandBus>();
        var registry = provider.GetRequiredService<IChannelRegistry>();
        registry.TryGet("notifications", out var memory).ShouldBeTrue();

        await bus.SendAsync(new Notify("n-1"));
        await bus.SendAsync(new Notify("n-2"));

        Count("SELECT COUNT(*) FROM conveyor_channel_messages WHERE channel = 'outbox';").ShouldBe(2, "the message goes to the first channel of the chain");
        ((InMemoryChannel)memory!).Count.ShouldBe(0);
        registry.ChannelOfEndpoint("notify").ShouldBe("notifications", "the endpoint receives from the last channel");

        var outbox = await RunUntilEmptyAsync(provider, "outbox");

        outbox.Finished.ShouldBe(2);
        notified.Ids.ShouldBeEmpty("received on the first channel, the message is forwarded, not handled");
        Count("SELECT COUNT(*) FROM conveyor_channel_messages;").ShouldBe(0);
        ((InMemoryChannel)memory!).Count.ShouldBe(2);

        await RunUntilEmptyAsync(provider, "notifications");

        notified.Ids.ShouldBe(["n-1", "n-2"]);
    }

    [Fact]
    public async Task Chain_NamingAnUnknownFirstChannel_FailsAtStartUp_NamingIt()
    {
        await using var provider = Build(c => c.AddHandler<MisnamedFirst>());

        var error = Should.Throw<ConveyorConfigurationException>(() => provider.GetRequiredService<IChannelRegistry>().Names);

        error.Message.ShouldContain("misnamed-first: the chain [Asynchronous(\"outbx\", \"notifications\")] names channel 'outbx', which is not registered. Did you mean 'outbox'?");
    }

    [Fact]
    public async Task Chain_RunningHost_ConsumesEveryChannelOfTheChain()
    {
        var notified = new Notified();
        await using var provider = Build(c => c.AddHandler<Notifications>(), s => s.AddSingleton(notified));
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(default);
        }

        try
        {
            await provider.GetRequiredService<ICommandBus>().SendAsync(new Notify("n-1"));
            var deadline = DateTime.UtcNow + Timeout;
            while (notified.Ids.IsEmpty)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the host did not consume both channels of the chain");
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted))
            {
                await service.StopAsync(default);
            }
        }

        notified.Ids.ShouldBe(["n-1"]);
    }

    [Fact]
    public async Task Chain_NamingAnUnknownChannel_FailsAtStartUp_NamingIt()
    {
        await using var provider = Build(c => c.AddHandler<Misnamed>());

        var error = Should.Throw<ConveyorConfigurationException>(() => provider.GetRequiredService<IChannelRegistry>().Names);

        error.Message.ShouldContain("misnamed: [Asynchronous(\"notifcations\")] names a channel that is not registered. Did you mean 'notifications'?");
    }

    private ServiceProvider Build(Action<ConveyorBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        collection.AddConveyor(c =>
        {
            configure(c);
            c.UseSqlite(_file.ConnectionString).AddSqliteChannel("outbox").AddInMemoryChannel("notifications");
        });
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static Task<ConsumerRunResult> RunUntilEmptyAsync(IServiceProvider provider, string name) =>
        provider.GetRequiredService<IConsumerRunner>().RunAsync(name, new ConsumerRunOptions { StopWhenEmpty = true }).WaitAsync(Timeout);

    private long Count(string sql) => (long)_file.Scalar(sql)!;

    public void Dispose() => _file.Dispose();
}
