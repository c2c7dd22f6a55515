using Conveyor.Channels;

namespace Conveyor.Transports.FileQueue;

/// <summary>A message read from its file; a resend appends a new file to the same directory.</summary>
internal sealed class FileQueueInboundMessage(TransportMessage message, FileQueueChannel channel, string file, string? readError) : InboundMessage(message, channel.Name)
{
    /// <summary>The file the message is in.</summary>
    public string File { get; } = file;

    public override string Position => $"{channel.Name}/{Path.GetFileName(File)}";

    public override string? ReadError => readError;

    public override ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken) => channel.SendAsync(message, cancellationToken);
}
