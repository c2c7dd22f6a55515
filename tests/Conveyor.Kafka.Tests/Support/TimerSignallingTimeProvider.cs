using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>A fake clock that lets a test wait until the code under test started a timer (e.g. a backoff).</summary>
internal sealed class TimerSignallingTimeProvider : FakeTimeProvider
{
    private readonly SemaphoreSlim _timersCreated = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timersCreated.Release();
        return timer;
    }

    public async Task WaitForTimerAsync()
    {
        if (!await _timersCreated.WaitAsync(Eventually.DefaultTimeout))
        {
            throw new TimeoutException("Timed out waiting for a timer to be created.");
        }
    }
}
