namespace Conveyor.Channels.Database;

/// <summary>A message to insert into a <see cref="DatabaseChannel"/>'s table.</summary>
/// <param name="Message">The message.</param>
/// <param name="AvailableAt">When it may be delivered, on the application's clock.</param>
public sealed record ChannelRow(TransportMessage Message, DateTimeOffset AvailableAt);
