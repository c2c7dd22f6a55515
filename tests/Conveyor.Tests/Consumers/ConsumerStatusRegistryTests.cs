using System.Diagnostics;
using Conveyor.Channels;
using Conveyor.Consumers;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Consumers;

/// <summary>The hosted service and the consumer runner keep <see cref="IConsumerStatusRegistry"/> up to date.</summary>
public sealed class ConsumerStatusRegistryTests
{
    public sealed record Beep(string Id);

    public sealed class Beeps
    {
        public TaskCompletionSource Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class BeepHandler(Beeps beeps)
    {
        [Asynchronous("beeps")]
        [CommandHandler(EndpointId = "beeps.handle")]
        public void Handle(Beep beep) => beeps.Handled.TrySetResult();
    }

    public sealed class BrokenHandler
    {
        [Asynchronous("broken")]
        [CommandHandler(EndpointId = "broken.handle")]
        public void Handle(Beep beep)
        {
        }
    }

    /// <summary>A channel whose receive loop throws, as a transport that lost its broker does.</summary>
    private sealed class ThrowingChannel(Exception error) : IReceivingChannel
    {
        private int _receives;

        public string Name => "broken";

        public int Receives => Volatile.Read(ref _receives);

        public ChannelCapabilities Capabilities { get; } = new() { CanReceive = true };

        public Conveyor.Failures.DeadLetters.IDeadLetterStore? DeadLetters => null;

        public FinalFailureStrategy? FinalFailureStrategy => null;

        public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);

        public Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _receives);
            throw error;
        }

        public ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken) => throw error;
    }

    [Fact]
    public async Task HostedConsumer_StartHandleStop_RunningWithLastMessageThenStopped()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<Beeps>();
        builder.Services.AddConveyor(c => c.AddHandler<BeepHandler>().AddInMemoryChannel("beeps"));
        using var host = builder.Build();
        var registry = host.Services.GetRequiredService<IConsumerStatusRegistry>();

        await host.StartAsync();
        registry.Find("beeps").ShouldNotBeNull().State.ShouldBeOneOf(ConsumerState.Starting, ConsumerState.Running);
        await host.Services.GetRequiredService<ICommandBus>().SendAsync(new Beep("b-1"));
        await host.Services.GetRequiredService<Beeps>().Handled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Until(() => registry.Find("beeps")?.LastMessageAt is not null, "the finished message is recorded");

        registry.Find("beeps")!.State.ShouldBe(ConsumerState.Running);
        await host.StopAsync();
        registry.Find("beeps")!.State.ShouldBe(ConsumerState.Stopped);
        registry.Consumers.Select(c => c.Name).ShouldBe(["beeps"]);
    }

    [Fact]
    public async Task HostedConsumer_Crashes_BackingOffWithTheError()
    {
        var channel = new ThrowingChannel(new InvalidOperationException("broker gone"));
        using var host = Build(channel);
        var registry = host.Services.GetRequiredService<IConsumerStatusRegistry>();

        await host.StartAsync();
        await Until(() => registry.Find("broken")?.State == ConsumerState.BackingOff, "the crashed consumer backs off");

        var status = registry.Find("broken")!;
        status.LastError.ShouldNotBeNull().Type.ShouldBe(nameof(InvalidOperationException));
        status.LastError.Message.ShouldBe("broker gone");
        await host.StopAsync();
        registry.Find("broken")!.State.ShouldBe(ConsumerState.Stopped);
    }

    [Fact]
    public async Task HostedConsumer_ConfigurationError_FailedAndNotRestarted()
    {
        var channel = new ThrowingChannel(new ConveyorConfigurationException("topic 'x' is not allowed"));
        using var host = Build(channel);
        var registry = host.Services.GetRequiredService<IConsumerStatusRegistry>();

        await host.StartAsync();
        await Until(() => registry.Find("broken")?.State == ConsumerState.Failed, "the consumer is marked failed");
        await host.StopAsync();

        channel.Receives.ShouldBe(1);
        registry.Find("broken")!.LastError!.Message.ShouldBe("topic 'x' is not allowed");
    }

    private static IHost Build(ThrowingChannel channel)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddConveyor(c => c.AddHandler<BrokenHandler>().AddChannel("broken", _ => channel, "test"));
        return builder.Build();
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), $"waiting until {what}");
            await Task.Delay(10);
        }
    }
}
