using Conveyor.Channels;

namespace Conveyor.Compliance.Channels;

/// <summary>One message as a compliance test's handler received it.</summary>
/// <param name="Id">Its message id.</param>
/// <param name="Message">The inbound message.</param>
/// <param name="At">When the handler got it, on the channel's clock.</param>
/// <param name="Attempt">1 for the first delivery of this id, 2 for the next, and so on.</param>
internal sealed record Delivery(string Id, InboundMessage Message, DateTimeOffset At, int Attempt);
