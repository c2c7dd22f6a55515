using Conveyor.AspNetCore.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.AspNetCore;

/// <summary>Maps the Conveyor admin page and its JSON API.</summary>
public static class ConveyorAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin page at <paramref name="prefix"/> (e.g. <c>/conveyor/</c>) and its JSON API under
    /// <c>{prefix}/api</c>: consumers and channels with their state and lag, pause and resume, dead letters to list,
    /// show, replay and delete. Every request must satisfy <see cref="ConveyorAdminOptions.AuthorizationPolicy"/> (or
    /// the host opts in to <see cref="ConveyorAdminOptions.AllowAnonymous"/>); state-changing calls are POSTs that must
    /// carry the <c>X-Conveyor-Admin</c> header, which a cross-site form or link cannot send.
    /// </summary>
    /// <param name="endpoints">The application (<c>app</c>).</param>
    /// <param name="prefix">The path the page is served under, e.g. <c>/conveyor</c>.</param>
    /// <param name="configure">Sets who may use it; required in practice, since one of its two settings must be set.</param>
    /// <returns>The route group, to add conventions (rate limiting, CORS off, metadata) to.</returns>
    /// <exception cref="InvalidOperationException">
    /// Neither or both of <see cref="ConveyorAdminOptions.AuthorizationPolicy"/> and
    /// <see cref="ConveyorAdminOptions.AllowAnonymous"/> are set, the policy is not registered, or Conveyor is not.
    /// </exception>
    public static RouteGroupBuilder MapConveyorAdmin(this IEndpointRouteBuilder endpoints, string prefix, Action<ConveyorAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var options = new ConveyorAdminOptions();
        configure?.Invoke(options);
        var services = endpoints.ServiceProvider;
        AdminSetup.Validate(options, services);

        var group = endpoints.MapGroup(prefix);
        if (options.AllowAnonymous)
        {
            group.AllowAnonymous();
            Log.AnonymousAccess(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConveyorAdminOptions).Namespace!), prefix);
        }
        else
        {
            group.RequireAuthorization(options.AuthorizationPolicy!);
        }

        AdminPage.Map(group);
        AdminApi.Map(group.MapGroup("/api"));
        return group;
    }
}
