using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>Awaiting a task that signals an expected event, failing by name after the default deadline.</summary>
internal static class DeadlineExtensions
{
    public static async Task<T> WithinDeadline<T>(this Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"Still waiting after {Eventually.DefaultTimeout.TotalSeconds:0}s for {what}.");
        }
    }

    public static async Task WithinDeadline(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"Still waiting after {Eventually.DefaultTimeout.TotalSeconds:0}s for {what}.");
        }
    }
}
