using Conveyor.Testing;

namespace Conveyor.Tests.Aggregates;

public sealed class AggregateConfigurationTests
{
    public sealed record Ship(string ParcelId);

    public sealed record Track(string Code);

    [Aggregate]
    public sealed class WithoutBase
    {
        [Identifier]
        public string Id { get; set; } = "";

        [CommandHandler]
        public void Handle(Ship command)
        {
        }
    }

    [Aggregate]
    public sealed class Parcel : AggregateRoot
    {
        [Identifier]
        public string ParcelId { get; private set; } = "";

        [CommandHandler]
        public void Handle(Track command)
        {
        }
    }

    [Aggregate]
    public sealed class Unidentified : AggregateRoot
    {
        [CommandHandler]
        public void Handle(Ship command)
        {
        }
    }

    [Aggregate]
    public sealed class BadFactory : AggregateRoot
    {
        [Identifier]
        public string ParcelId { get; private set; } = "";

        [CommandHandler]
        public static void Create(Ship command)
        {
        }
    }

    [EventSourcedAggregate]
    public sealed class NoHandlers : AggregateRoot
    {
        [Identifier]
        public string ParcelId { get; private set; } = "";

        [CommandHandler]
        public void Handle(Ship command)
        {
        }
    }

    [Theory]
    [InlineData(typeof(WithoutBase), "WithoutBase: an aggregate must derive from Conveyor.AggregateRoot")]
    [InlineData(typeof(Parcel), "the command Track has no property 'ParcelId' to find the Parcel by. Add one, or map the identifier: [IdentifierMapping(\"ParcelId\"")]
    [InlineData(typeof(Unidentified), "Unidentified: an aggregate needs an identifier")]
    [InlineData(typeof(BadFactory), "a static command handler on an aggregate creates one: return the new BadFactory")]
    [InlineData(typeof(NoHandlers), "add an [EventSourcingHandler] method for each event it records")]
    public void InvalidAggregate_FailsAtStartUp_SayingHowToFixIt(Type aggregate, string message)
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandlers(aggregate)));

        error.Message.ShouldContain(message);
    }
}
