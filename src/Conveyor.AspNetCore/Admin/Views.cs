namespace Conveyor.AspNetCore.Admin;

// The JSON the admin API returns (camelCase), documented in docs/admin.md.

/// <summary>An endpoint (handler method) as the runtime compiled it.</summary>
internal sealed record EndpointView(string Id, string Kind, string Handler, string? Channel, string Mode, string? Routing);

/// <summary>A channel, what consumes it and, when it is consumed in this process, its consumer's state.</summary>
internal sealed record ChannelView(
    string Name,
    string? Kind,
    string? Address,
    IReadOnlyList<string> Endpoints,
    bool CanReceive,
    bool CanPause,
    ConsumerView? Consumer,
    LagView Lag);

/// <summary>The consumer of a channel in this process (<see cref="ConsumerStatus"/>).</summary>
internal sealed record ConsumerView(
    string State,
    bool IsPaused,
    IReadOnlyList<string> AssignedPartitions,
    DateTimeOffset? LastMessageAt,
    ConsumerError? LastError,
    long FailedDeadLetterWrites);

/// <summary>How many messages wait in a channel: <see cref="Value"/> null when unknown, <see cref="Error"/> when it could not be read.</summary>
internal sealed record LagView(long? Value, string? Error);

/// <summary>A dead letter in a listing.</summary>
internal sealed record DeadLetterView(
    string Id,
    string MessageId,
    string EndpointId,
    string ChannelName,
    string Position,
    string ExceptionType,
    string ExceptionMessage,
    int Attempts,
    DateTimeOffset FailedAt);

/// <summary>One page of dead letters; pass <see cref="Next"/> as <c>after</c> for the following one.</summary>
internal sealed record DeadLetterPageView(IReadOnlyList<DeadLetterView> Items, string? Next);

/// <summary>Everything about one dead letter: the listing's fields, the headers and the body.</summary>
internal sealed record DeadLetterDetailView(
    DeadLetterView DeadLetter,
    IReadOnlyDictionary<string, string> Headers,
    string? ContentType,
    int BodyLength,
    string? BodyText,
    string? BodyBase64);

/// <summary>The body of the state-changing calls on a consumer.</summary>
internal sealed record ConsumerRequest(string Name);

/// <summary>The body of the state-changing calls on a dead letter.</summary>
internal sealed record DeadLetterRequest(string Id);
