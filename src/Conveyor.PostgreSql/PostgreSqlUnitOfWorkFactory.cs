using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.PostgreSql;

/// <summary>Begins a <see cref="PostgreSqlUnitOfWork"/> per received message and makes it the scope's.</summary>
/// <param name="database">The database.</param>
/// <param name="root">The root provider: a message handled without a scope has no slot to fill.</param>
internal sealed class PostgreSqlUnitOfWorkFactory(PostgreSqlDatabase database, IServiceProvider root) : IDbUnitOfWorkFactory
{
    public Type ConnectionType => typeof(Npgsql.NpgsqlConnection);

    public async ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var unitOfWork = await database.BeginUnitOfWorkAsync(services, cancellationToken).ConfigureAwait(false);

        // A scoped slot resolved from the root would be shared by every message (or refused with scope validation);
        // an endpoint without a scope injects nothing scoped anyway.
        if (!ReferenceEquals(services, root) && services.GetService<PostgreSqlUnitOfWorkSlot>() is { } slot)
        {
            slot.Current = unitOfWork;
        }

        return unitOfWork;
    }
}

/// <summary>Holds the message's <see cref="PostgreSqlUnitOfWork"/> in its DI scope, so that handlers can inject it.</summary>
internal sealed class PostgreSqlUnitOfWorkSlot
{
    public PostgreSqlUnitOfWork? Current { get; set; }
}
