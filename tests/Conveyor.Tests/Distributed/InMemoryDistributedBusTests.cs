using Conveyor.Channels.InMemory;
using Conveyor.Compliance.Distributed;

namespace Conveyor.Tests.Distributed;

/// <summary>The distributed bus's rules over in-memory channels: one channel instance per service, shared by the three hosts as a broker would be.</summary>
public sealed class InMemoryDistributedBusTests : DistributedBusCompliance
{
    private readonly Dictionary<string, InMemoryChannel> _broker = new(StringComparer.Ordinal);

    protected override void AddServiceChannel(ConveyorBuilder conveyor, string channel, string service)
    {
        if (!_broker.TryGetValue(channel, out var shared))
        {
            shared = new InMemoryChannel(channel);
            _broker[channel] = shared;
        }

        conveyor.AddChannel(channel, _ => shared, "in-memory");
    }
}
