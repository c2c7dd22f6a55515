using System.Diagnostics;
using Conveyor.Channels;
using Conveyor.Channels.InMemory;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Consumers;

/// <summary><see cref="IConsumerRunner.PauseAsync"/> and <see cref="IConsumerRunner.ResumeAsync"/> through the core receive loop (in-memory channel).</summary>
public sealed class ConsumerPauseTests
{
    public sealed record Tick(int N);

    public sealed class Ticks
    {
        private int _handled;

        public int Handled => Volatile.Read(ref _handled);

        public void Add() => Interlocked.Increment(ref _handled);
    }

    public sealed class TickHandler(Ticks ticks)
    {
        [Asynchronous("ticks")]
        [CommandHandler(EndpointId = "ticks.handle")]
        public void Handle(Tick tick) => ticks.Add();
    }

    [Fact]
    public async Task PauseAsync_RunningInMemoryConsumer_HoldsNewMessagesUntilResumed()
    {
        using var host = Build(c => c.AddInMemoryChannel("ticks"));
        var (runner, registry, ticks) = Parts(host);
        var bus = host.Services.GetRequiredService<ICommandBus>();
        await host.StartAsync();
        await bus.SendAsync(new Tick(0));
        await Until(() => ticks.Handled == 1, "the first tick is handled");

        // Completes once the loop confirmed: from here on it takes nothing new.
        await runner.PauseAsync("ticks").WaitAsync(TimeSpan.FromSeconds(10));
        registry.Find("ticks")!.IsPaused.ShouldBeTrue();
        registry.Find("ticks")!.State.ShouldBe(ConsumerState.Running, "a paused consumer still runs");
        for (var i = 1; i <= 3; i++)
        {
            await bus.SendAsync(new Tick(i));
        }

        var channel = (InMemoryChannel)Channel(host, "ticks");
        channel.Count.ShouldBe(3);
        ticks.Handled.ShouldBe(1);

        await runner.ResumeAsync("ticks.handle");
        registry.Find("ticks")!.IsPaused.ShouldBeFalse();
        await Until(() => ticks.Handled == 4, "every held tick is handled after the resume");
        channel.Count.ShouldBe(0);
        await host.StopAsync();
    }

    [Fact]
    public async Task PauseAsync_BeforeTheHostStarts_ConsumerStartsPausedAndStaysPausedAfterAStop()
    {
        using var host = Build(c => c.AddInMemoryChannel("ticks"));
        var (runner, registry, ticks) = Parts(host);
        await runner.PauseAsync("ticks").WaitAsync(TimeSpan.FromSeconds(10));
        await host.Services.GetRequiredService<ICommandBus>().SendAsync(new Tick(1));
        await host.StartAsync();
        await Until(() => registry.Find("ticks")?.State == ConsumerState.Running, "the consumer runs");

        // The pause is confirmed by the running loop before anything is handed out.
        await runner.PauseAsync("ticks").WaitAsync(TimeSpan.FromSeconds(10));
        ticks.Handled.ShouldBe(0);
        await host.StopAsync();
        registry.Find("ticks")!.IsPaused.ShouldBeTrue("the pause belongs to the consumer, not to one run");

        await runner.ResumeAsync("ticks");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await runner.RunAsync("ticks", new ConsumerRunOptions { StopWhenEmpty = true }, stop.Token);
        result.Finished.ShouldBe(1);
        ticks.Handled.ShouldBe(1);
    }

    [Fact]
    public async Task PauseAsync_ChannelThatCannotPause_NotSupportedSayingWhatToDo()
    {
        using var host = Build(c => c.AddChannel("ticks", _ => new UnpausableChannel(), "custom"));
        var error = await Should.ThrowAsync<NotSupportedException>(() => Parts(host).Runner.PauseAsync("ticks"));
        error.Message.ShouldContain("'ticks' cannot be paused");
        error.Message.ShouldContain("custom");
    }

    [Fact]
    public async Task PauseAsync_UnknownConsumer_ConfigurationErrorWithSuggestion()
    {
        using var host = Build(c => c.AddInMemoryChannel("ticks"));
        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => Parts(host).Runner.PauseAsync("tciks"));
        error.Message.ShouldContain("'ticks'");
    }

    private static IHost Build(Action<ConveyorBuilder> channel)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<Ticks>();
        builder.Services.AddConveyor(c => channel(c.AddHandler<TickHandler>()));
        return builder.Build();
    }

    private static (IConsumerRunner Runner, IConsumerStatusRegistry Registry, Ticks Ticks) Parts(IHost host) =>
        (host.Services.GetRequiredService<IConsumerRunner>(), host.Services.GetRequiredService<IConsumerStatusRegistry>(), host.Services.GetRequiredService<Ticks>());

    private static IMessageChannel Channel(IHost host, string name) =>
        host.Services.GetRequiredService<IChannelRegistry>().TryGet(name, out var channel) ? channel : throw new KeyNotFoundException(name);

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), $"waiting until {what}");
            await Task.Delay(10);
        }
    }

    private sealed class UnpausableChannel : IReceivingChannel
    {
        public string Name => "ticks";

        public ChannelCapabilities Capabilities { get; } = new() { CanReceive = true };

        public Conveyor.Failures.DeadLetters.IDeadLetterStore? DeadLetters => null;

        public FinalFailureStrategy? FinalFailureStrategy => null;

        public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);

        public Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken) =>
            Task.FromResult(new ReceiveSummary(0));

        public ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken) =>
            ValueTask.FromResult<Acknowledgement?>(null);
    }
}
