using Conveyor.Runtime;
using Conveyor.Testing;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.Handlers;

/// <summary>
/// A scoped (the default) or transient handler class built only of singletons needs no DI scope: it is made anew for
/// every message from the root services. Anything a scope would make a difference for keeps the scope.
/// </summary>
public sealed class UnscopedHandlerTests
{
    public sealed record Ping(int N);

    public sealed class Instances
    {
        public List<object> Made { get; } = [];
    }

    public sealed class PerScope;

    public sealed class OfSingletons
    {
        public OfSingletons(Instances instances, ILogger<OfSingletons> logger, ICommandBus bus)
        {
            _ = (logger, bus);
            instances.Made.Add(this);
        }

        [CommandHandler]
        public void On(Ping ping) => _ = ping;
    }

    public sealed class OfAScopedService
    {
        public OfAScopedService(Instances instances, PerScope perScope) => instances.Made.Add(perScope);

        [CommandHandler]
        public void On(Ping ping) => _ = ping;
    }

    public sealed class Disposable : IDisposable
    {
        private readonly Instances _instances;

        public Disposable(Instances instances) => _instances = instances;

        [CommandHandler]
        public void On(Ping ping) => _ = ping;

        public void Dispose() => _instances.Made.Add(this);
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task HandlerOfSingletons_NoScope_ANewInstancePerMessage(ServiceLifetime lifetime)
    {
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<OfSingletons>().UseHandlerLifetime(lifetime),
            s => s.AddLogging().AddSingleton<Instances>());

        await flow.SendAsync(new Ping(1));
        await flow.SendAsync(new Ping(2));

        EndpointOf<OfSingletons>(flow).NeedsScope.ShouldBeFalse();
        var made = flow.Services.GetRequiredService<Instances>().Made;
        made.Count.ShouldBe(2);
        made[0].ShouldNotBeSameAs(made[1]);
    }

    [Fact]
    public async Task HandlerOfAScopedService_KeepsItsScope()
    {
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<OfAScopedService>(),
            s => s.AddSingleton<Instances>().AddScoped<PerScope>());

        await flow.SendAsync(new Ping(1));
        await flow.SendAsync(new Ping(2));

        EndpointOf<OfAScopedService>(flow).NeedsScope.ShouldBeTrue();
        var made = flow.Services.GetRequiredService<Instances>().Made;
        made.Count.ShouldBe(2);
        made[0].ShouldNotBeSameAs(made[1]);
    }

    [Fact]
    public async Task DisposableHandler_KeepsItsScope_DisposedAfterEachMessage()
    {
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Disposable>(),
            s => s.AddSingleton<Instances>());

        await flow.SendAsync(new Ping(1));
        await flow.SendAsync(new Ping(2));

        EndpointOf<Disposable>(flow).NeedsScope.ShouldBeTrue();
        flow.Services.GetRequiredService<Instances>().Made.Count.ShouldBe(2);
    }

    private static RuntimeEndpoint EndpointOf<THandler>(ConveyorFlow flow) =>
        flow.Services.GetRequiredService<ConveyorRuntime>().Endpoints.Values.Single(e => e.Info.HandlerType == typeof(THandler));
}
