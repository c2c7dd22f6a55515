using Conveyor;
using Conveyor.Kafka.OutboxApp;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Commits <count> orders, each with its OrderPlaced event, through the SQLite outbox (an explicit unit of work, as a
// web request would), prints "committed", then waits to be killed. Conveyor__Outbox__Relay=false in the environment
// (the ordinary option, read from environment variables) keeps this process from relaying: the test SIGKILLs it with
// every event committed and none sent.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Conveyor.Kafka.OutboxApp <bootstrap servers> <database file> <topic> <orders> <customers>");
    return 2;
}

var (bootstrap, database, topic) = (args[0], args[1], args[2]);
var (orders, customers) = (int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));

// A host as a user writes it: its configuration reads the environment, so Conveyor__Outbox__Relay=false is the
// ordinary Conveyor:Outbox:Relay option.
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddConveyor(c => c
    .AddHandler<OrderEvents>()
    .UseKafka(kafka =>
    {
        kafka.BootstrapServers = bootstrap;
        kafka.CreateMissingTopics = true;
    })
    .AddKafkaChannel(OutboxContract.Channel, topic, "outbox-app")
    .UseSqlite($"Data Source={database}"));
using var host = builder.Build();
await host.StartAsync();
var provider = host.Services;

var sqlite = provider.GetRequiredService<Conveyor.Sqlite.SqliteDatabase>();
await using (var connection = await sqlite.OpenConnectionAsync(CancellationToken.None))
{
    using var create = connection.CreateCommand();
    create.CommandText = "CREATE TABLE IF NOT EXISTS orders (id TEXT NOT NULL PRIMARY KEY);";
    await create.ExecuteNonQueryAsync();
}

for (var i = 0; i < orders; i++)
{
    var customer = $"customer-{i % customers}";
    var order = new OrderPlaced($"order-{i}", customer, i / customers);
    await using var scope = provider.CreateAsyncScope();
    var units = scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>();
    await using var unitOfWork = await units.BeginAsync(CancellationToken.None);
    using (var insert = unitOfWork.Database.Connection.CreateCommand())
    {
        insert.Transaction = unitOfWork.Database.Transaction;
        insert.CommandText = "INSERT INTO orders (id) VALUES ($id);";
        var id = insert.CreateParameter();
        id.ParameterName = "$id";
        id.Value = order.OrderId;
        insert.Parameters.Add(id);
        await insert.ExecuteNonQueryAsync();
    }

    await scope.ServiceProvider.GetRequiredService<IEventBus>().PublishAsync(order, new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = customer });
    await unitOfWork.CommitAsync(CancellationToken.None);
}

Console.Out.WriteLine(OutboxContract.Committed);
Console.Out.Flush();
await Task.Delay(Timeout.Infinite);
return 0;

/// <summary>The receiving endpoint, declared so that publishing addresses the events to it; the tests' process handles them.</summary>
internal sealed class OrderEvents
{
    [Asynchronous(OutboxContract.Channel)]
    [EventHandler(EndpointId = OutboxContract.Endpoint)]
    public void Handle(OrderPlaced placed)
    {
    }
}
