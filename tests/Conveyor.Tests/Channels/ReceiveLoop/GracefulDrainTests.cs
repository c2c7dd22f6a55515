using Conveyor.Channels.ReceiveLoop;

namespace Conveyor.Tests.Channels.ReceiveLoop;

public sealed class GracefulDrainTests
{
    private sealed class Unit(bool drainsOnClose, bool drainsOnAbort) : IDrainable
    {
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Closed { get; private set; }

        public bool Aborted { get; private set; }

        public Task Drained => _drained.Task;

        public void BeginClose()
        {
            Closed = true;
            if (drainsOnClose)
            {
                _drained.TrySetResult();
            }
        }

        public void Abort()
        {
            Aborted = true;
            if (drainsOnAbort)
            {
                _drained.TrySetResult();
            }
        }
    }

    [Fact]
    public void CloseAndWait_UnitsThatFinish_AreClosedAndNotAborted()
    {
        var units = new[] { new Unit(true, true), new Unit(true, true) };

        var result = GracefulDrain.CloseAndWait(units, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeProvider.System);

        result.Aborted.ShouldBeEmpty();
        result.Abandoned.ShouldBeEmpty();
        units.ShouldAllBe(u => u.Closed && !u.Aborted);
    }

    [Fact]
    public void CloseAndWait_WorkOutlivingTheGracePeriod_IsAbortedAndOnlyWorkIgnoringThatIsAbandoned()
    {
        var finishes = new Unit(true, true);
        var stopsWhenCancelled = new Unit(false, true);
        var ignoresCancellation = new Unit(false, false);

        var result = GracefulDrain.CloseAndWait([finishes, stopsWhenCancelled, ignoresCancellation], TimeSpan.Zero, TimeSpan.Zero, TimeProvider.System);

        result.Aborted.ShouldBe([stopsWhenCancelled, ignoresCancellation]);
        result.Abandoned.ShouldBe([ignoresCancellation]);
        finishes.Aborted.ShouldBeFalse();
    }

    [Fact]
    public void CloseAndWait_NoUnits_ReturnsDrained() =>
        GracefulDrain.CloseAndWait(Array.Empty<Unit>(), TimeSpan.Zero, TimeSpan.Zero, TimeProvider.System).ShouldBe(DrainResult<Unit>.Drained);
}
