using Conveyor.Testing;

namespace Conveyor.Tests.Handlers;

public sealed class StartupValidationTests
{
    public sealed record Ping;

    public sealed record Ask;

    public sealed class Unregistered;

    public sealed class DuplicateEndpointIds
    {
        [CommandHandler(EndpointId = "same")]
        public void A(Ping p)
        {
        }

        [EventHandler(EndpointId = "same")]
        public void B(Ping p)
        {
        }
    }

    public sealed class AsyncQuery
    {
        [Asynchronous("queue")]
        [QueryHandler]
        public int Answer(Ask q) => 42;
    }

    public sealed class UnbindableParameter
    {
        [CommandHandler]
        public void Handle(Ping p, Unregistered dependency)
        {
        }
    }

    public sealed class FirstPingHandler
    {
        [CommandHandler]
        public void Handle(Ping p)
        {
        }
    }

    public sealed class SecondPingHandler
    {
        [CommandHandler]
        public void Handle(Ping p)
        {
        }
    }

    public sealed class UnknownChannel
    {
        [Asynchronous("nowhere")]
        [CommandHandler]
        public void Handle(Ping p)
        {
        }
    }

    public sealed class QueryWithoutResult
    {
        [QueryHandler]
        public void Answer(Ask q)
        {
        }
    }

    public sealed class UnknownOutputChannel
    {
        [CommandHandler(OutputChannel = "next.step")]
        public Ask Handle(Ping p) => new();
    }

    public sealed class BadDeduplication
    {
        [Asynchronous("queue")]
        [CommandHandler]
        [Deduplicated("payload.Missing")]
        public void Handle(Ping p)
        {
        }
    }

    private static string ErrorFor(params Type[] handlers) =>
        Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandlers(handlers).AddInMemoryChannel("queue"))).Message;

    [Fact]
    public void DuplicateEndpointId_FailsNamingBothMethods() =>
        ErrorFor(typeof(DuplicateEndpointIds)).ShouldContain("Endpoint id 'same' is used by DuplicateEndpointIds.A, DuplicateEndpointIds.B. Endpoint ids must be unique");

    [Fact]
    public void AsynchronousQueryHandler_FailsSayingQueriesAreInProcess() =>
        ErrorFor(typeof(AsyncQuery)).ShouldContain("AsyncQuery.Answer: query handlers answer in-process and cannot be [Asynchronous(\"queue\")]");

    [Fact]
    public void UnbindableParameter_FailsNamingParameterAndFix() =>
        ErrorFor(typeof(UnbindableParameter)).ShouldContain("parameter 'dependency' of type Unregistered cannot be bound");

    [Fact]
    public void TwoCommandHandlersForOneCommand_FailsNamingBoth() =>
        ErrorFor(typeof(FirstPingHandler), typeof(SecondPingHandler)).ShouldContain("The command 'Ping' has 2 handlers (FirstPingHandler.Handle, SecondPingHandler.Handle)");

    [Fact]
    public void UnknownAsynchronousChannel_FailsWithHowToRegisterIt() =>
        ErrorFor(typeof(UnknownChannel)).ShouldContain("[Asynchronous(\"nowhere\")] names a channel that is not registered. Register it in AddConveyor, e.g. .AddInMemoryChannel(\"nowhere\")");

    [Fact]
    public void QueryHandlerWithoutResult_Fails() =>
        ErrorFor(typeof(QueryWithoutResult)).ShouldContain("a query handler must return its answer");

    [Fact]
    public void UnknownOutputChannel_Fails() =>
        ErrorFor(typeof(UnknownOutputChannel)).ShouldContain("OutputChannel \"next.step\" is neither a registered channel nor the input channel of an [InternalHandler]");

    [Fact]
    public void DeduplicationOnUnknownProperty_Fails() =>
        ErrorFor(typeof(BadDeduplication)).ShouldContain("names 'Missing', which Ping has no public property called");

    [Fact]
    public void SeveralProblems_AllListedInOneError()
    {
        var message = ErrorFor(typeof(AsyncQuery), typeof(UnknownChannel), typeof(QueryWithoutResult));

        message.ShouldStartWith("Conveyor's configuration is invalid:");
        message.Split('\n').Count(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal)).ShouldBe(3);
    }

    [Fact]
    public void ChannelRegisteredTwice_FailsImmediately() =>
        Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddInMemoryChannel("a").AddInMemoryChannel("a")))
            .Message.ShouldContain("Channel 'a' is registered twice");
}
