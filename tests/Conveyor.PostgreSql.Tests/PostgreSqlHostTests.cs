using System.Data.Common;
using Conveyor.Failures.DeadLetters;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.PostgreSql.Tests;

/// <summary>
/// A real host with an in-memory channel and UsePostgreSql: the handler's own SQL, through the injected unit of work,
/// commits with the deduplication claim, or rolls back with it when the handler throws (the message then goes to the
/// PostgreSQL dead-letter table).
/// </summary>
public sealed class PostgreSqlHostTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestSchema _schema = new(database);

    public sealed record PlaceOrder(string Id, bool Fail);

    /// <summary>Writes the order through the injected <see cref="IDbUnitOfWork"/>, then fails when asked to.</summary>
    public sealed class Orders(IDbUnitOfWork unitOfWork, PostgreSqlUnitOfWork postgres)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Handle(PlaceOrder order)
        {
            ReferenceEquals(unitOfWork, postgres).ShouldBeTrue("one unit of work, injectable as either type");
            await using DbCommand insert = unitOfWork.Connection.CreateCommand();
            insert.Transaction = unitOfWork.Transaction;
            insert.CommandText = "INSERT INTO orders (id) VALUES (@id);";
            var id = insert.CreateParameter();
            id.ParameterName = "@id";
            id.Value = order.Id;
            insert.Parameters.Add(id);
            await insert.ExecuteNonQueryAsync();
            if (order.Fail)
            {
                throw new InvalidOperationException("the payment gateway is down");
            }
        }
    }

    [Fact]
    public async Task HandlerThrowsAfterItsInsert_TheInsertAndTheClaimRollBack_AndTheMessageIsADeadLetter()
    {
        using var host = await StartAsync();
        var bus = host.Services.GetRequiredService<ICommandBus>();

        await bus.SendAsync(new PlaceOrder("o-failed", Fail: true));
        await bus.SendAsync(new PlaceOrder("o-placed", Fail: false));

        var deadLetters = host.Services.GetRequiredService<IDeadLetterStore>();
        await Eventually(async () => (await deadLetters.ListAsync(new DeadLetterQuery(), default)).Items.Count == 1
            && await _schema.CountAsync("SELECT COUNT(*) FROM orders WHERE id = 'o-placed';") == 1);
        await host.StopAsync().WaitAsync(Timeout);

        var deadLetter = (await deadLetters.ListAsync(new DeadLetterQuery(), default)).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionMessage.ShouldBe("the payment gateway is down");
        deadLetter.EndpointId.ShouldBe("orders.place");
        (await _schema.CountAsync("SELECT COUNT(*) FROM orders;")).ShouldBe(1, "the failed handler's insert rolled back");
        (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_deduplication WHERE endpoint_id = 'orders.place';"))
            .ShouldBe(1, "the placed order's claim committed with its row, the failed one's rolled back");
        (await _schema.CountAsync($"SELECT COUNT(*) FROM conveyor_deduplication WHERE expires_at = {long.MaxValue} OR pending_until IS NOT NULL;"))
            .ShouldBe(0, "the commit stamped the claim's expiry");
    }

    private async Task<IHost> StartAsync()
    {
        var migrated = _schema.Open();
        await migrated.MigrateAsync(default);

        // The handler's table in the configured schema; the unit of work's connection finds it through the search path.
        await _schema.ScalarAsync("CREATE TABLE orders (id text NOT NULL PRIMARY KEY);");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddConveyor(c => c
            .AddHandler<Orders>()
            .AddInMemoryChannel("orders")
            .UsePostgreSql($"{_schema.ConnectionString};Search Path={_schema.Name}", o => o.Schema = _schema.Name));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <see cref="Timeout"/>.</summary>
    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The condition did not hold within {Timeout}.");
            }

            await Task.Delay(20);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
