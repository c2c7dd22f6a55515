namespace Conveyor.AspNetCore;

/// <summary>
/// Who may use the admin page and API that <see cref="ConveyorAdminEndpointRouteBuilderExtensions.MapConveyorAdmin"/>
/// maps. One of the two must be set: the admin API pauses consumers and replays or deletes dead letters, so it is never
/// open by default.
/// </summary>
public sealed class ConveyorAdminOptions
{
    /// <summary>
    /// The name of the authorization policy every admin request must satisfy (registered with
    /// <c>services.AddAuthorization(o =&gt; o.AddPolicy("ops", …))</c>).
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Serve the admin page and API to anyone who can reach them, without authorization: only for a local machine or
    /// a network that is itself restricted. Logged as a warning when the application starts. Default: false.
    /// </summary>
    public bool AllowAnonymous { get; set; }
}
