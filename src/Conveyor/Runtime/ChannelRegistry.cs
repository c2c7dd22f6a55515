using System.Diagnostics.CodeAnalysis;
using Conveyor.Channels;

namespace Conveyor.Runtime;

/// <summary>The runtime's channels behind the public <see cref="IChannelRegistry"/>.</summary>
internal sealed class ChannelRegistry(ConveyorRuntime runtime) : IChannelRegistry
{
    private readonly Lazy<IReadOnlyList<string>> _names = new(() => [.. runtime.Channels.Keys.Order(StringComparer.Ordinal)]);

    public IReadOnlyList<string> Names => _names.Value;

    public bool TryGet(string name, [NotNullWhen(true)] out IMessageChannel? channel) => runtime.Channels.TryGetValue(name, out channel);

    public string KindOf(string name) =>
        runtime.ChannelKinds.TryGetValue(name, out var kind) ? kind : throw new KeyNotFoundException($"There is no channel named '{name}'.");

    public string? ChannelOfEndpoint(string endpointId) =>
        runtime.Endpoints.TryGetValue(endpointId, out var endpoint) && endpoint.Info.IsAsynchronous ? endpoint.Info.Channel : null;
}
