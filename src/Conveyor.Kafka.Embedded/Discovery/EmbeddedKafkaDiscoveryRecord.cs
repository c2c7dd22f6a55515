namespace Conveyor.Kafka.Embedded.Discovery;

/// <summary>What a discovery file says: where a running service's embedded cluster listens, and which process owns it.</summary>
/// <param name="Application">The application's name (its entry assembly, or the host's <c>ApplicationName</c>).</param>
/// <param name="ContentRoot">The application's content root, which tells apart two checkouts of one application.</param>
/// <param name="BootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
/// <param name="ProcessId">The process that hosts the cluster.</param>
/// <param name="ProcessStartTime">When that process started (UTC): a process id alone may have been reused by another process.</param>
internal sealed record EmbeddedKafkaDiscoveryRecord(
    string Application,
    string ContentRoot,
    string BootstrapServers,
    int ProcessId,
    DateTime ProcessStartTime);
