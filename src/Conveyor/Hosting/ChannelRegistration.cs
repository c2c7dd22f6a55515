using Conveyor.Channels;

namespace Conveyor.Hosting;

/// <summary>A channel registered with the builder: its name, how to create it, and its failure defaults.</summary>
internal sealed record ChannelRegistration(
    string Name,
    Func<IServiceProvider, IMessageChannel> Factory,
    string Kind,
    FinalFailureStrategy? FinalFailureStrategy = null);

/// <summary>Creates the inbound channel of a <see cref="ConsumerEndpointAttribute"/> endpoint (e.g. a Kafka topic subscription).</summary>
internal sealed record ConsumerEndpointSource(
    Type AttributeType,
    Func<IServiceProvider, ConsumerEndpointAttribute, EndpointInfo, IReceivingChannel> Factory,
    string Kind);
