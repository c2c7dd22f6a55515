namespace Conveyor.Distributed;

/// <summary>One <c>AddDistributedBus</c> call: this service's name in a map, and the map.</summary>
internal sealed record DistributedBusRegistration(string ServiceName, ServiceMap Map)
{
    /// <summary>The channel this service consumes for the map.</summary>
    public string OwnChannel => Map.Services[ServiceName].Channel;
}
