using Conveyor.Channels;
using Conveyor.Channels.InMemory;
using Conveyor.Failures.DeadLetters;
using Conveyor.Hosting;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Testing;

/// <summary>
/// A flow-testing host: the application's handlers on in-memory channels with a fake clock. Send commands, publish
/// events, run a channel's consumer until it is empty, then assert on the messages each channel received, the
/// dead letters, and the state of your own services.
/// </summary>
public sealed partial class ConveyorFlow : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly FailureRecorder _failures;
    private readonly OrchestrationRecorder _orchestrations;
    private readonly AggregateRecorder _aggregates;
    private readonly ConveyorFlowOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _scheduling;

    private ConveyorFlow(ServiceProvider services, FakeTimeProvider clock, FailureRecorder failures, OrchestrationRecorder orchestrations, AggregateRecorder aggregates, ConveyorFlowOptions options)
    {
        _aggregates = aggregates;
        _services = services;
        _failures = failures;
        _orchestrations = orchestrations;
        _options = options;
        Clock = clock;

        // Messages due later than a channel holds itself wait in the scheduler, whose timers the fake clock fires.
        _scheduling = services.GetRequiredService<Scheduling.ScheduledDeliveries>().RunAsync(_stopping.Token);
    }

    /// <summary>The fake clock driving delayed retries, releases and deduplication windows.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The flow's service provider.</summary>
    public IServiceProvider Services => _services;

    /// <summary>The command bus.</summary>
    public ICommandBus CommandBus => _services.GetRequiredService<ICommandBus>();

    /// <summary>The event bus.</summary>
    public IEventBus EventBus => _services.GetRequiredService<IEventBus>();

    /// <summary>The query bus.</summary>
    public IQueryBus QueryBus => _services.GetRequiredService<IQueryBus>();

    /// <summary>The dead letters.</summary>
    public IDeadLetters DeadLetters => _services.GetRequiredService<IDeadLetters>();

    /// <summary>
    /// Every message that failed while this flow consumed a channel, in order: delayed retries scheduled because a
    /// handler threw, and final failures. Assert on it in a test that expects failures (see
    /// <see cref="ConveyorFlowOptions.AllowFailures"/> and <see cref="RunAsync"/>'s <c>expectFailures</c>).
    /// </summary>
    public IReadOnlyList<FlowFailure> Failures => _failures.Snapshot();

    /// <summary>
    /// Builds a flow from <paramref name="configure"/>. Every channel — in-memory, Kafka or any other, including
    /// <c>[KafkaConsumer]</c> sources — becomes a recording in-memory channel on the fake clock, so a flow needs
    /// no infrastructure; a dynamic channel stays, composed of the swapped channels. The configuration is validated as
    /// at host start-up.
    /// </summary>
    /// <param name="configure">The same configuration the application uses (or a subset).</param>
    /// <param name="services">
    /// Registers the handlers' dependencies or test doubles. It runs before Conveyor's own registrations, so what it
    /// registers wins where Conveyor only adds a default: e.g. <c>AddKeyedSingleton&lt;IKafkaPublisher&gt;(name, fake)</c>
    /// replaces the named publisher <c>AddKafkaPublisher(name, ...)</c> registers.
    /// </param>
    /// <param name="options">How the flow behaves; by default a message that fails fails <see cref="RunAsync"/>.</param>
    /// <returns>The flow.</returns>
    public static ConveyorFlow Bootstrap(Action<ConveyorBuilder> configure, Action<IServiceCollection>? services = null, ConveyorFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var failures = new FailureRecorder();
        var orchestrations = new OrchestrationRecorder();
        var aggregates = new AggregateRecorder();
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(clock);
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<Inbound.IInboundFailureObserver>(failures);
        collection.AddSingleton<Orchestration.IOrchestrationObserver>(orchestrations);
        collection.AddSingleton<Aggregates.IAggregateObserver>(aggregates);
        services?.Invoke(collection);
        collection.AddConveyor(c =>
        {
            configure(c);
            SwapToInMemory(c);
        });

        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = false });
        provider.GetRequiredService<ConveyorRuntime>().ResolveSingletonHandlers();
        return new ConveyorFlow(provider, clock, failures, orchestrations, aggregates, options ?? new ConveyorFlowOptions());
    }

    /// <summary>Sends a command.</summary>
    /// <param name="command">The command.</param>
    /// <param name="metadata">Headers to add.</param>
    /// <returns>A task that completes when it was handled or queued.</returns>
    public ValueTask SendAsync(object command, IReadOnlyDictionary<string, string>? metadata = null) =>
        metadata is null ? CommandBus.SendAsync(command) : CommandBus.SendAsync(command, metadata);

    /// <summary>Publishes an event.</summary>
    /// <param name="event">The event.</param>
    /// <param name="metadata">Headers to add.</param>
    /// <returns>A task that completes when it was handled or queued.</returns>
    public ValueTask PublishAsync(object @event, IReadOnlyDictionary<string, string>? metadata = null) =>
        metadata is null ? EventBus.PublishAsync(@event) : EventBus.PublishAsync(@event, metadata);

    /// <summary>Asks a query.</summary>
    /// <typeparam name="TResult">The answer type.</typeparam>
    /// <param name="query">The query.</param>
    /// <returns>The answer.</returns>
    public ValueTask<TResult> QueryAsync<TResult>(object query) => QueryBus.SendAsync<TResult>(query);

    /// <summary>
    /// Runs a consumer by channel or endpoint name; by default until nothing is deliverable. A message whose handler
    /// throws fails the run — once it finished, with <see cref="FlowFailedException"/> — whether it was scheduled for a
    /// delayed retry or finally failed (error channel, dead letter, final failure strategy), unless the test expects
    /// failures: <paramref name="expectFailures"/> or <see cref="ConveyorFlowOptions.AllowFailures"/>. Either way every
    /// failure is in <see cref="Failures"/>. With a transactional outbox (<c>UseSqlite</c>, <c>UsePostgreSql</c>), the
    /// flow relays the outbox before the run and after it, as a running application's relay would, so messages that
    /// handlers sent in their units of work reach their channels.
    /// </summary>
    /// <param name="name">The channel or endpoint.</param>
    /// <param name="options">Limits; <see cref="ConsumerRunOptions.StopWhenEmpty"/> by default.</param>
    /// <param name="expectFailures">Let messages fail in this run without failing it.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="FlowFailedException">A message failed and failures were not expected.</exception>
    public async Task<ConsumerRunResult> RunAsync(string name, ConsumerRunOptions? options = null, bool expectFailures = false)
    {
        var before = _failures.Count;
        var runner = _services.GetRequiredService<IConsumerRunner>();
        var relay = _services.GetService<Outbox.OutboxRelay>();
        ConsumerRunResult result;
        if (relay is null)
        {
            result = await runner.RunAsync(name, options ?? new ConsumerRunOptions { StopWhenEmpty = true }).ConfigureAwait(false);
        }
        else
        {
            // No hosted service runs in a flow, the outbox relay neither: what handlers sent in their units of work waits
            // in the outbox. Relay it before the consumer runs and after, and, when the run stops once nothing is left,
            // until a run handles nothing (a handler may send to its own channel through the outbox).
            long finished = 0, failures = 0;
            do
            {
                await relay.RelayAvailableAsync(_stopping.Token).ConfigureAwait(false);
                result = await runner.RunAsync(name, options ?? new ConsumerRunOptions { StopWhenEmpty = true }).ConfigureAwait(false);
                finished += result.Finished;
                failures += result.Failed;
            }
            while (options is null && result.Finished + result.Failed > 0);

            await relay.RelayAvailableAsync(_stopping.Token).ConfigureAwait(false);
            result = result with { Finished = finished, Failed = failures };
        }

        if (!expectFailures && !_options.AllowFailures && _failures.Since(before, result.Name) is { Count: > 0 } failed)
        {
            throw new FlowFailedException(failed);
        }

        return result;
    }

    /// <summary>Starts orchestrated flows; a flow started through it is recorded in <see cref="Orchestrations"/> too.</summary>
    public IOrchestrator Orchestrator => _services.GetRequiredService<IOrchestrator>();

    /// <summary>Every orchestrated flow this host saw, in the order they started, as each is now.</summary>
    public IReadOnlyList<OrchestrationRun> Orchestrations => _orchestrations.Snapshot();

    /// <summary>
    /// Starts the orchestrator <paramref name="orchestrator"/> with <paramref name="payload"/> and runs the flow to its
    /// end: the consumers of asynchronous steps (and of the orchestrator, when it is asynchronous) run until the flow
    /// completes or stops, or nothing more is deliverable (a step waits for the clock: <see cref="AdvanceTime"/>, then
    /// <see cref="ContinueOrchestrationAsync"/>). A step that fails fails the run as in <see cref="RunAsync"/>.
    /// </summary>
    /// <param name="orchestrator">The orchestrator's name (its input channel).</param>
    /// <param name="payload">The flow's input.</param>
    /// <param name="metadata">Headers for the flow.</param>
    /// <returns>The flow: the steps that ran, its state and output.</returns>
    public Task<OrchestrationRun> RunOrchestratorAsync(string orchestrator, object payload, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var mark = _orchestrations.Count;
        return DriveAsync(mark, Orchestrator.StartAsync(orchestrator, payload, metadata));
    }

    /// <summary>As <see cref="RunOrchestratorAsync"/>, for a routing slip built at run time (<see cref="IOrchestrator.SendAsync"/>).</summary>
    /// <param name="payload">The first step's input.</param>
    /// <param name="slip">The step names.</param>
    /// <param name="metadata">Headers for the flow.</param>
    /// <returns>The flow.</returns>
    public Task<OrchestrationRun> RunRoutingSlipAsync(object payload, IReadOnlyList<string> slip, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var mark = _orchestrations.Count;
        return DriveAsync(mark, Orchestrator.SendAsync(payload, slip, metadata));
    }

    /// <summary>Runs the consumers of asynchronous steps again until <paramref name="run"/> ends or nothing more is deliverable.</summary>
    /// <param name="run">A flow returned by <see cref="RunOrchestratorAsync"/>.</param>
    /// <returns>The flow as it is then.</returns>
    public Task<OrchestrationRun> ContinueOrchestrationAsync(OrchestrationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var index = _orchestrations.Snapshot().ToList().FindIndex(r => r.FlowId == run.FlowId);
        return DriveAsync(index < 0 ? throw new ArgumentException($"Flow {run.FlowId} did not run in this host.", nameof(run)) : index, ValueTask.FromResult<object?>(null));
    }

    private async Task<OrchestrationRun> DriveAsync(int mark, ValueTask<object?> start)
    {
        await start.ConfigureAwait(false);
        var channels = _services.GetRequiredService<ConveyorRuntime>().Endpoints.Values
            .Where(e => e.Info.Kind == EndpointKind.Internal && e.IsAsynchronous)
            .Select(e => e.Info.Channel!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        while (true)
        {
            if (_orchestrations.FirstSince(mark) is { State: not OrchestrationState.Running } ended)
            {
                return ended;
            }

            var progressed = false;
            foreach (var channel in channels)
            {
                var result = await RunAsync(channel).ConfigureAwait(false);
                progressed |= result.Finished + result.Failed > 0;
            }

            if (!progressed)
            {
                return _orchestrations.FirstSince(mark)
                    ?? throw new InvalidOperationException("No orchestrated flow started: the orchestrator's message was not delivered. Is its channel's consumer paused, or its message delayed?");
            }
        }
    }

    /// <summary>Moves the fake clock forward, firing due delayed retries and releases.</summary>
    /// <param name="delta">How far.</param>
    public void AdvanceTime(TimeSpan delta) => Clock.Advance(delta);

    /// <summary>The in-memory channel behind <paramref name="name"/>.</summary>
    /// <param name="name">The channel name.</param>
    /// <returns>The channel.</returns>
    public InMemoryChannel Channel(string name) =>
        _services.GetRequiredService<ConveyorRuntime>().Channels.GetValueOrDefault(name) as InMemoryChannel
            ?? throw new ArgumentException($"There is no channel '{name}'.", nameof(name));

    /// <summary>Every message sent to a channel, in order.</summary>
    /// <param name="channel">The channel name.</param>
    /// <returns>The messages.</returns>
    public IReadOnlyList<TransportMessage> RecordedMessages(string channel) => Channel(channel).SentMessages;

    /// <summary>The payloads of the messages sent to a channel, read as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="channel">The channel name.</param>
    /// <returns>The payloads.</returns>
    public IReadOnlyList<T> RecordedPayloads<T>(string channel)
    {
        var serializer = _services.GetRequiredService<ConveyorRuntime>().Serializer;
        return [.. RecordedMessages(channel).Select(m => (T)serializer.Deserialize(m.Body, m.Headers.ContentType, typeof(T))!)];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _scheduling.ConfigureAwait(false);
        _stopping.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private static void SwapToInMemory(ConveyorBuilder builder)
    {
        // A dynamic channel stays: it composes the swapped channels.
        foreach (var registration in builder.Channels.Values.Where(r => r.Kind != "dynamic").ToList())
        {
            var name = registration.Name;
            builder.Channels[name] = registration with
            {
                Factory = sp => new InMemoryChannel(name, new InMemoryChannelOptions { RecordSentMessages = true }, sp.GetRequiredService<TimeProvider>()),
            };
        }

        for (var i = 0; i < builder.ConsumerSources.Count; i++)
        {
            builder.ConsumerSources[i] = builder.ConsumerSources[i] with
            {
                Factory = (sp, _, endpoint) => new InMemoryChannel(endpoint.EndpointId, new InMemoryChannelOptions { RecordSentMessages = true }, sp.GetRequiredService<TimeProvider>()),
            };
        }
    }
}
