using System.Collections.Concurrent;
using Conveyor.Channels;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Inbound;

/// <summary>
/// <see cref="IChannelRouting"/> over the compiled runtime, as <see cref="InboundRouter"/> routes; answers are kept,
/// since endpoints do not change once the runtime is built (resolved at the first question, after start-up).
/// </summary>
internal sealed class ChannelRouting(IServiceProvider services) : IChannelRouting
{
    private readonly ConcurrentDictionary<(string Channel, string Endpoint, string? Name), bool> _implied = new();
    private ConveyorRuntime? _runtime;

    public bool ImpliesTargetEndpoint(string channel, string endpointId, string? name)
    {
        if (_implied.TryGetValue((channel, endpointId, name), out var implied))
        {
            return implied;
        }

        _runtime ??= services.GetRequiredService<ConveyorRuntime>();
        return _implied[(channel, endpointId, name)] = InboundRouter.ImpliesTarget(_runtime, channel, endpointId, name);
    }
}
