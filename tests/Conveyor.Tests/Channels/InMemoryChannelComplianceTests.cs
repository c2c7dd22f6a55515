using Conveyor.Channels;
using Conveyor.Channels.InMemory;
using Conveyor.Compliance.Channels;

namespace Conveyor.Tests.Channels;

public sealed class InMemoryChannelComplianceTests : ChannelCompliance
{
    protected override Task<IReceivingChannel> CreateChannelAsync(TimeProvider time) =>
        Task.FromResult<IReceivingChannel>(new InMemoryChannel("compliance", time: time));
}
