using Microsoft.AspNetCore.Http;

namespace Conveyor.AspNetCore.Admin;

/// <summary>
/// The cross-site request forgery guard of the state-changing calls: they must carry <see cref="Name"/>. A browser
/// sends a custom header cross-origin only after a CORS preflight the admin API never grants, and a form or a link
/// cannot set one; so a request that has it came from the page itself (or a tool that is not a browser, which has no
/// victim's cookies to abuse). See docs/admin.md, Security.
/// </summary>
internal sealed class CsrfHeader : IEndpointFilter
{
    public const string Name = "X-Conveyor-Admin";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return context.HttpContext.Request.Headers.ContainsKey(Name)
            ? next(context)
            : ValueTask.FromResult<object?>(Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Missing anti-forgery header",
                detail: $"State-changing admin calls must carry the '{Name}' header (any value), which the admin page sends; add it when calling the API from a script."));
    }
}
