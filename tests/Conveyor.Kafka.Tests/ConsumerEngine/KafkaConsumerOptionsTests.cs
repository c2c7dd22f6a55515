namespace Conveyor.Kafka.Tests.ConsumerEngine;

public sealed class KafkaConsumerOptionsTests
{
    [Fact]
    public void Validate_Defaults_DoesNotThrow() => new KafkaConsumerOptions().Validate();

    [Fact]
    public void Validate_ZeroParallelism_NamesTheSetting()
    {
        var options = new KafkaConsumerOptions { MaxDegreeOfParallelism = 0 };

        Should.Throw<ArgumentOutOfRangeException>(options.Validate).ParamName.ShouldBe("MaxDegreeOfParallelism");
    }

    [Fact]
    public void Validate_BackoffMaxBelowInitial_NamesTheSetting()
    {
        var options = new KafkaConsumerOptions
        {
            ReleaseBackoffInitial = TimeSpan.FromSeconds(2),
            ReleaseBackoffMax = TimeSpan.FromSeconds(1),
        };

        Should.Throw<ArgumentOutOfRangeException>(options.Validate).ParamName.ShouldBe("ReleaseBackoffMax");
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(6, 3200)]
    [InlineData(7, 5000)]
    [InlineData(1000, 5000)]
    public void ReleaseBackoff_Attempt_DoublesUpToMax(int attempt, int expectedMilliseconds) =>
        new KafkaConsumerOptions().ReleaseBackoff().DelayFor(attempt).ShouldBe(TimeSpan.FromMilliseconds(expectedMilliseconds));
}
