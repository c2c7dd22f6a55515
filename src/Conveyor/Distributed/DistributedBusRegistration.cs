namespace Conveyor.Distributed;

/// <summary>One <c>AddDistributedBus</c> call: this service's name in a map, the map, and how this service sends.</summary>
internal sealed record DistributedBusRegistration(string ServiceName, ServiceMap Map, string? AsynchronousChannel)
{
    /// <summary>The channel this service consumes for the map.</summary>
    public string OwnChannel => Map.Services[ServiceName].Channel;
}
