using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>Keeps the event ids logged, and writes every line to the test's output for diagnosis.</summary>
internal sealed class RecordingLogger(ITestOutputHelper output, string name) : ILogger
{
    public ConcurrentQueue<EventId> Events { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(
        LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Events.Enqueue(eventId);
        try
        {
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [{name}] {logLevel} {eventId.Id}: {formatter(state, exception)}"
                + (exception is null ? string.Empty : $" {exception.GetType().Name}: {exception.Message}"));
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output is closed.
        }
    }

    public bool Logged(int eventId) => Events.Any(logged => logged.Id == eventId);
}
