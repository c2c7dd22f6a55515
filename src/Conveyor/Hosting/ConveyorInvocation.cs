namespace Conveyor.Hosting;

/// <summary>
/// What this process runs Conveyor for: the service itself, or one <c>conveyor</c> command of the application's command
/// line (<c>dotnet run -- conveyor dlq list</c>). A singleton registered by <c>AddConveyor</c>.
/// </summary>
/// <remarks>
/// Transports whose development infrastructure lives inside a process read it: the embedded Kafka cluster
/// (<c>UseEmbeddedKafka</c>) of a command connects to the cluster of the application's running service instead of starting an
/// empty one of its own. <c>RunWithConveyorAsync</c> marks a command before it resolves any of Conveyor's services.
/// </remarks>
public sealed class ConveyorInvocation
{
    /// <summary>
    /// Whether this process runs a <c>conveyor</c> command (<c>RunWithConveyorAsync</c> with <c>conveyor ...</c> arguments)
    /// rather than the service.
    /// </summary>
    public bool IsConveyorCommand { get; private set; }

    /// <summary>Called by the command line before a command runs.</summary>
    internal void MarkConveyorCommand() => IsConveyorCommand = true;
}
