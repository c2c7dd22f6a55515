using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.AspNetCore.Admin;

/// <summary>Checks at start-up that the admin page is secured and can work, with how to fix what is not.</summary>
internal static class AdminSetup
{
    private const string Example = "app.MapConveyorAdmin(\"/conveyor\", o => o.AuthorizationPolicy = \"ops\")";

    public static void Validate(ConveyorAdminOptions options, IServiceProvider services)
    {
        if (services.GetService<IConsumerRunner>() is null)
        {
            throw new InvalidOperationException("MapConveyorAdmin needs Conveyor: call services.AddConveyor(…) when building the application.");
        }

        var policy = options.AuthorizationPolicy;
        if (options.AllowAnonymous && policy is not null)
        {
            throw new InvalidOperationException(
                $"MapConveyorAdmin: both AuthorizationPolicy ('{policy}') and AllowAnonymous are set. Keep the policy and remove AllowAnonymous.");
        }

        if (options.AllowAnonymous)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(policy))
        {
            throw new InvalidOperationException(
                $"MapConveyorAdmin needs an authorization policy: the admin API pauses consumers and replays or deletes dead letters. Name one, e.g. {Example} with services.AddAuthorization(o => o.AddPolicy(\"ops\", p => p.RequireRole(\"ops\"))); or, for a local machine only, opt in to anonymous access with o.AllowAnonymous = true.");
        }

        // A custom policy provider may make policies up on request; the default one knows them all by now.
        if (services.GetService<IAuthorizationPolicyProvider>() is null or DefaultAuthorizationPolicyProvider
            && services.GetService<IOptions<AuthorizationOptions>>()?.Value.GetPolicy(policy) is null)
        {
            throw new InvalidOperationException(
                $"MapConveyorAdmin: there is no authorization policy named '{policy}'. Register it: services.AddAuthorization(o => o.AddPolicy(\"{policy}\", p => p.RequireRole(\"ops\"))).");
        }
    }
}
