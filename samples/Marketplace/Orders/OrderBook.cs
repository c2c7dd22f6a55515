using System.Data.Common;
using System.Globalization;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Orders;

/// <summary>
/// The orders table, <c>marketplace_orders</c>, in the database Conveyor keeps its own tables in (SQLite by default,
/// PostgreSQL by configuration). The handler writes its row in its message's unit of work (<see cref="AddAsync"/>);
/// the rest opens a unit of work of its own. The SQL is the dialect both databases share.
/// </summary>
public sealed class OrderBook(IServiceScopeFactory scopes)
{
    /// <summary>Inserts the order in <paramref name="unitOfWork"/>'s transaction: it commits with the events the handler publishes, or not at all.</summary>
    public static async Task AddAsync(IDbUnitOfWork unitOfWork, PlaceOrder order, CancellationToken cancellationToken)
    {
        await using var insert = Command(unitOfWork, "INSERT INTO marketplace_orders (id, customer_email, category, total) VALUES (@id, @email, @category, @total);");
        Add(insert, "@id", order.OrderId);
        Add(insert, "@email", order.CustomerEmail);
        Add(insert, "@category", order.Category);
        Add(insert, "@total", order.Total);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Creates the table when it is missing (at start-up, by <see cref="OrderBookSchema"/>).</summary>
    public Task CreateAsync(CancellationToken cancellationToken) => InUnitOfWorkAsync(
        "CREATE TABLE IF NOT EXISTS marketplace_orders (id TEXT PRIMARY KEY, customer_email TEXT NOT NULL, category TEXT NOT NULL, total NUMERIC NOT NULL);",
        cancellationToken);

    /// <summary>Empties the table: the demo places the same orders on every run.</summary>
    public Task ClearAsync(CancellationToken cancellationToken) => InUnitOfWorkAsync("DELETE FROM marketplace_orders;", cancellationToken);

    /// <summary>The ids of the orders booked, in order.</summary>
    public async Task<IReadOnlyList<string>> OrderIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await InUnitOfWorkAsync(
            async (unitOfWork, ct) =>
            {
                await using var select = Command(unitOfWork, "SELECT id FROM marketplace_orders ORDER BY id;");
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    ids.Add(reader.GetString(0));
                }
            },
            cancellationToken);
        return ids;
    }

    private Task InUnitOfWorkAsync(string sql, CancellationToken cancellationToken) => InUnitOfWorkAsync(
        async (unitOfWork, ct) =>
        {
            await using var command = Command(unitOfWork, sql);
            await command.ExecuteNonQueryAsync(ct);
        },
        cancellationToken);

    private async Task InUnitOfWorkAsync(Func<IDbUnitOfWork, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var unitOfWork = await scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>().BeginAsync(cancellationToken);
        await work(unitOfWork.Database, cancellationToken);
        await unitOfWork.CommitAsync(cancellationToken);
    }

    private static DbCommand Command(IDbUnitOfWork unitOfWork, string sql)
    {
        var command = unitOfWork.Connection.CreateCommand();
        command.Transaction = unitOfWork.Transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
