using System.Collections.Concurrent;
using System.Data.Common;
using Conveyor.UnitOfWork;
using Microsoft.EntityFrameworkCore;

namespace Conveyor.EntityFrameworkCore.Tests;

/// <summary>The application under test: an EF Core model, a handler that writes through it, and what the handler saw.</summary>
public sealed class Order
{
    public required string Id { get; set; }

    public required string Customer { get; set; }

    public decimal Total { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();
}

/// <summary>What the handler does with the order.</summary>
public enum Step
{
    Save,
    SaveThenThrow,
    SaveThenThrowOnFirstAttempt,
    LeavePending,
    RawSqlThenSave,
    SaveAndPublish,
    SaveAndPublishThenThrow,
}

public sealed record PlaceOrder(string Id, Step Step);

public sealed record OrderPlaced(string Id);

/// <summary>What the handlers saw, for the tests to assert on; <see cref="CommittedOrders"/> reads on a connection of its own.</summary>
public sealed class Recorder(Func<string, long> committedOrders)
{
    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    public ConcurrentQueue<string> Notes { get; } = new();

    public long CommittedOrders(string id) => committedOrders(id);

    public void Note(string note) => Notes.Enqueue(note);
}

public sealed class OrderHandlers(ShopContext db, IDbUnitOfWork unitOfWork, IEventBus events, Recorder recorder)
{
    [Asynchronous("orders")]
    [CommandHandler(EndpointId = "orders.place")]
    [Deduplicated("payload.Id")]
    [InstantRetry(1)]
    public async Task Place(PlaceOrder order)
    {
        var attempt = recorder.Attempts.AddOrUpdate(order.Id, 1, (_, n) => n + 1);
        recorder.Note($"{order.Id}: attempt {attempt} sees {await db.Orders.CountAsync(o => o.Id == order.Id)} rows");
        recorder.Note($"{order.Id}: handler context {db.ContextId.InstanceId}");
        recorder.Note($"{order.Id}: orders over 10 before: {await db.Orders.CountAsync(o => o.Total > 10m)}");
        if (order.Step == Step.RawSqlThenSave)
        {
            using var insert = unitOfWork.Connection.CreateCommand();
            insert.Transaction = unitOfWork.Transaction;
            insert.CommandText = """INSERT INTO "Orders" ("Id", "Customer", "Total") VALUES (@id, 'raw', 1);""";
            var id = insert.CreateParameter();
            id.ParameterName = "@id";
            id.Value = order.Id + "-raw";
            insert.Parameters.Add(id);
            await insert.ExecuteNonQueryAsync();
            recorder.Note($"{order.Id}: context sees the raw row: {await db.Orders.AnyAsync(o => o.Id == order.Id + "-raw")}");
        }

        db.Orders.Add(new Order { Id = order.Id, Customer = "ada", Total = 12.5m });
        if (order.Step == Step.LeavePending)
        {
            return;
        }

        await db.SaveChangesAsync();
        recorder.Note($"{order.Id}: committed outside after SaveChanges: {recorder.CommittedOrders(order.Id)}");
        if (order.Step is Step.SaveAndPublish or Step.SaveAndPublishThenThrow)
        {
            await events.PublishAsync(new OrderPlaced(order.Id));
        }

        if (order.Step is Step.SaveThenThrow or Step.SaveAndPublishThenThrow || (order.Step == Step.SaveThenThrowOnFirstAttempt && attempt == 1))
        {
            throw new InvalidOperationException($"the payment gateway is down (attempt {attempt})");
        }
    }

    [Asynchronous("placed")]
    [EventHandler(EndpointId = "placed.audit")]
    public void Audit(OrderPlaced placed) => recorder.Note($"placed {placed.Id}: committed {recorder.CommittedOrders(placed.Id)}");
}

/// <summary>Uses the context before the handler runs, as an application's own interceptor might.</summary>
public sealed class PeekInterceptor(ShopContext db, Recorder recorder) : IBeforeInterceptor
{
    public async ValueTask BeforeAsync(HandlerContext context)
    {
        if (context.Payload is PlaceOrder order)
        {
            await db.Orders.CountAsync();
            recorder.Note($"{order.Id}: interceptor context {db.ContextId.InstanceId}");
        }
    }
}

/// <summary>Reads on a connection of its own, outside every unit of work: only what is committed.</summary>
public static class OutOfBand
{
    public static long Count(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
