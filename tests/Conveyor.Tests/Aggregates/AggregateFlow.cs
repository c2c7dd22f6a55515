using Conveyor.Aggregates;
using Conveyor.Testing;

namespace Conveyor.Tests.Aggregates;

/// <summary>Reads an aggregate back the way its handlers load it.</summary>
internal static class AggregateFlow
{
    public static async Task<T?> LoadAsync<T>(this ConveyorFlow flow, string id) where T : AggregateRoot
    {
        var errors = new List<string>();
        var model = AggregateModel.Describe(typeof(T), errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        var persistence = AggregatePersistence.For(model, flow.Services.GetRequiredService<Conveyor.Serialization.MessageSerializer>());
        await using var scope = flow.Services.CreateAsyncScope();
        return (T?)await persistence.LoadAsync(id, scope.ServiceProvider, CancellationToken.None);
    }
}
