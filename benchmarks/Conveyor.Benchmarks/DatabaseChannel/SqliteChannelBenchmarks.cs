using BenchmarkDotNet.Attributes;
using Conveyor.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.DatabaseChannel;

/// <summary>
/// The SQLite database channel's own throughput, reported per message: <see cref="Send"/> inserts a batch of
/// <see cref="Messages"/> messages one transaction each (what a send outside a handler costs); <see cref="Receive"/>
/// drains such a batch, inserted outside the measurement, with <see cref="Consumers"/> competing receive loops whose
/// handler does nothing, so that it measures the lease, hand-out and delete of each row. The database is a file in the
/// temp directory, in WAL mode, as <c>UseSqlite</c> creates it.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
public class SqliteChannelBenchmarks
{
    public const int Messages = 500;
    private static readonly ReceiveOptions UntilEmpty = new() { StopWhenEmpty = true };
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"conveyor-bench-{Guid.NewGuid():N}.db");
    private ServiceProvider _services = null!;
    private IReceivingChannel _channel = null!;

    /// <summary>Competing receive loops in this process.</summary>
    [Params(1, 4)]
    public int Consumers { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var services = new ServiceCollection();
        services.AddConveyor(c => c.UseSqlite($"Data Source={_file}").AddSqliteChannel("work", o => o.BatchSize = 50));
        _services = services.BuildServiceProvider();
        _services.GetRequiredService<IChannelRegistry>().TryGet("work", out var channel);
        _channel = (IReceivingChannel)channel!;

        await Fill();
        var drained = await Drain();
        if (drained != Messages)
        {
            throw new InvalidOperationException($"Expected {Messages} received messages, got {drained}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
    }

    [IterationSetup(Target = nameof(Receive))]
    public void FillForReceive() => Fill().GetAwaiter().GetResult();

    [IterationCleanup(Target = nameof(Send))]
    public void DrainAfterSend() => Drain().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Send (one transaction each)")]
    public Task Send() => Fill();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Receive and acknowledge (no-op handler)")]
    public Task<long> Receive() => Drain();

    private async Task Fill()
    {
        var body = "{\"orderId\":\"o-1\",\"total\":129.90}"u8.ToArray();
        for (var i = 0; i < Messages; i++)
        {
            var headers = new MessageHeaders();
            headers.Set(MessageHeaderNames.MessageId, Guid.NewGuid().ToString());
            headers.Set(MessageHeaderNames.ContentType, "application/json");
            await _channel.SendAsync(new TransportMessage(headers, body), CancellationToken.None);
        }
    }

    private async Task<long> Drain()
    {
        var runs = Enumerable.Range(0, Consumers)
            .Select(_ => _channel.ReceiveAsync(static (_, _) => ValueTask.FromResult(Acknowledgement.Completed), UntilEmpty, CancellationToken.None));
        return (await Task.WhenAll(runs)).Sum(r => r.Completed);
    }
}
