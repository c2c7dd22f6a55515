using Conveyor.Hosting;
using Conveyor.Interceptors;
using Conveyor.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>What <c>AddConveyor</c> collected, frozen: the runtime is built from it when the host starts.</summary>
internal sealed class ConveyorSetup(ConveyorBuilder builder, IReadOnlyList<Type> handlerTypes)
{
    public IReadOnlyList<Type> HandlerTypes { get; } = handlerTypes;

    public IReadOnlyDictionary<string, ChannelRegistration> Channels { get; } = new Dictionary<string, ChannelRegistration>(builder.Channels);

    public IReadOnlyList<ConsumerEndpointSource> ConsumerSources { get; } = [.. builder.ConsumerSources];

    public IReadOnlySet<string> ConsumedChannels { get; } = builder.ConsumedChannels.ToHashSet(StringComparer.Ordinal);

    public IReadOnlySet<string> SentChannels { get; } = builder.SentChannels.ToHashSet(StringComparer.Ordinal);

    public IReadOnlyList<Action<IReadOnlySet<string>, List<string>>> StartupChecks { get; } = [.. builder.StartupChecks];

    public IReadOnlyList<InterceptorRegistration> Interceptors { get; } = [.. builder.Interceptors.OrderBy(i => i.Order)];

    public MessageSerializer Serializer { get; } = new([.. builder.Converters], builder.DefaultConverter);

    /// <summary>The service collection, read once the container is built, to learn handler and dependency lifetimes.</summary>
    public IServiceCollection Services { get; } = builder.Services;
}
