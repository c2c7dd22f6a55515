using Conveyor.Compliance.Channels.Dynamic;

namespace Conveyor.Tests.Channels.Dynamic;

/// <summary>Every dynamic channel strategy over in-memory sub-channels.</summary>
public sealed class InMemoryDynamicChannelTests : DynamicChannelScenarios
{
    protected override void AddSubChannel(ConveyorBuilder conveyor, string name) => conveyor.AddInMemoryChannel(name);

    protected override Task<IServiceProvider> BuildAsync(Action<IServiceCollection> services, Action<ConveyorBuilder> conveyor)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        services(collection);
        collection.AddConveyor(conveyor);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            provider.GetRequiredService<Conveyor.Channels.IChannelRegistry>().Names.ShouldNotBeEmpty();
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return Task.FromResult<IServiceProvider>(provider);
    }
}
