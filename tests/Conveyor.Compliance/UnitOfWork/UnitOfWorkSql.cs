using System.Data.Common;
using Conveyor.UnitOfWork;

namespace Conveyor.Compliance.UnitOfWork;

/// <summary>The compliance suites' own SQL, run in a unit of work's transaction as a handler's would be.</summary>
internal static class UnitOfWorkSql
{
    /// <summary>Runs <paramref name="sql"/> in the unit of work, with <c>@id</c> bound to <paramref name="id"/> when given.</summary>
    public static async Task ExecuteAsync(IDbUnitOfWork unitOfWork, string sql, string? id = null)
    {
        using var command = Command(unitOfWork, sql, id);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A command on the unit of work's connection and transaction, with <c>@id</c> bound to <paramref name="id"/> when given.</summary>
    public static DbCommand Command(IDbUnitOfWork unitOfWork, string sql, string? id)
    {
        var command = unitOfWork.Connection.CreateCommand();
        command.Transaction = unitOfWork.Transaction;
        command.CommandText = sql;
        if (id is not null)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@id";
            parameter.Value = id;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
