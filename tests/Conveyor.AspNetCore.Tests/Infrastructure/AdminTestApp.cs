using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real ASP.NET Core application with Conveyor (an in-memory 'orders' channel consumed by the host), the tests'
/// authentication and an 'ops' policy that requires the role 'ops', and the admin page mapped at /conveyor.
/// </summary>
public sealed class AdminTestApp : IAsyncDisposable
{
    public const string Prefix = "/conveyor";
    public const string Policy = "ops";

    private AdminTestApp(WebApplication app, CapturedLogs logs)
    {
        App = app;
        Logs = logs;
    }

    public WebApplication App { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => App.Services;

    public Outage Outage => Services.GetRequiredService<Outage>();

    public HandledOrders Handled => Services.GetRequiredService<HandledOrders>();

    /// <summary>The address Kestrel listens on (only when started with <c>kestrel: true</c>).</summary>
    public Uri Address => new(App.Urls.Single());

    /// <summary>Builds and starts the application: in a test server, or on Kestrel at 127.0.0.1 on a free port.</summary>
    public static async Task<AdminTestApp> StartAsync(Action<ConveyorAdminOptions>? admin = null, bool kestrel = false)
    {
        var app = Build(admin ?? (o => o.AuthorizationPolicy = Policy), kestrel, out var logs);
        await app.StartAsync();
        return new AdminTestApp(app, logs);
    }

    /// <summary>Builds the application and maps the admin page, which is where a configuration error surfaces.</summary>
    public static WebApplication Build(Action<ConveyorAdminOptions> admin, bool kestrel, out CapturedLogs logs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        logs = new CapturedLogs();
        builder.Logging.ClearProviders().AddProvider(logs);
        if (kestrel)
        {
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Services.AddSingleton<Outage>().AddSingleton<HandledOrders>();
        builder.Services.AddConveyor(c => c.AddHandler<OrderHandler>().AddInMemoryChannel(OrderHandler.Channel));
        builder.Services.AddAuthentication(HeaderAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(Policy, p => p.RequireRole("ops")));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapConveyorAdmin(Prefix, admin);
        return app;
    }

    /// <summary>Sends orders while the payment service is down, and waits until each is in the dead letter.</summary>
    public async Task<IReadOnlyList<string>> FailOrdersAsync(params string[] orderIds)
    {
        Outage.Down = true;
        var deadLetters = Services.GetRequiredService<Failures.DeadLetters.IDeadLetters>();
        foreach (var id in orderIds)
        {
            await Services.GetRequiredService<ICommandBus>().SendAsync(new PlaceOrder(id));
        }

        await Until(async () => (await deadLetters.ListAsync()).Items.Count >= orderIds.Length, "the failed orders are dead letters");
        Outage.Down = false;
        return [.. (await deadLetters.ListAsync()).Items.Select(d => d.Id)];
    }

    public HttpClient Client(string? user = "alice", string roles = "ops")
    {
        var client = App.GetTestClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add("X-Test-User", user);
            client.DefaultRequestHeaders.Add("X-Test-Roles", roles);
        }

        return client;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after 15 s.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), $"waiting until {what}");
            await Task.Delay(10);
        }
    }

    public static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
