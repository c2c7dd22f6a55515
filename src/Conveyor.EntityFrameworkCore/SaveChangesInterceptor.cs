using Microsoft.Extensions.Logging;

namespace Conveyor.EntityFrameworkCore;

/// <summary>
/// Saves the changes a handler left pending in the DbContexts joined to its unit of work once it returned, before the
/// unit of work commits (<see cref="ConveyorDbContextOptions.SaveChangesOnCommit"/>), or warns that they are
/// discarded. The outermost interceptor, so that changes other interceptors make after the handler are saved too.
/// </summary>
internal sealed class SaveChangesInterceptor(DbContextBinder binder, ILogger<SaveChangesInterceptor> logger) : IAroundInterceptor
{
    public async ValueTask<object?> AroundAsync(HandlerContext context, Func<ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var result = await next().ConfigureAwait(false);
        foreach (var (dbContext, options) in binder.Joined)
        {
            if (!dbContext.ChangeTracker.HasChanges())
            {
                continue;
            }

            var name = dbContext.GetType().Name;
            if (options.SaveChangesOnCommit)
            {
                var count = await dbContext.SaveChangesAsync(context.CancellationToken).ConfigureAwait(false);
                Log.PendingChangesSaved(logger, count, name, context.Endpoint.EndpointId);
            }
            else
            {
                Log.PendingChangesDiscarded(logger, name, context.Endpoint.EndpointId);
            }
        }

        return result;
    }
}
