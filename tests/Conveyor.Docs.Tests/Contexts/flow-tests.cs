// What docs/testing.md's flow snippets use but do not show: the flow under test, the application's configuration and
// services callbacks, a fake publisher, and the application's own types.
using Conveyor;
using Conveyor.Kafka;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;

internal sealed partial class Snippets
{
    // Properties, not fields: a snippet that uses only some of them leaves no unused-field warning behind.
    private ConveyorFlow flow => null!;

    private Action<ConveyorBuilder> configure => _ => { };

    private Action<IServiceCollection> services => _ => { };

    private IKafkaPublisher fake => null!;
}

public sealed record ReserveStock(string Sku, int Quantity);

public sealed record StockReserved(string Sku, int Quantity);

public sealed class OrderHandler;

public sealed class Program;

public sealed record StartLeadMatching(string OrderId);

public sealed record MatchedCandidates(string OrderId, string[] ProviderIds);
