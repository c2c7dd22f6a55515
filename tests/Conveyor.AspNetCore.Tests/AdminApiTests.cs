using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conveyor.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Conveyor.AspNetCore.Tests;

/// <summary>The admin JSON API on a test server: security, dead letters, pause and resume.</summary>
public sealed class AdminApiTests
{
    private const string Api = AdminTestApp.Prefix + "/api/";

    [Fact]
    public void MapConveyorAdmin_NoPolicy_StartupErrorSaysHowToFix()
    {
        var error = Should.Throw<InvalidOperationException>(() => AdminTestApp.Build(_ => { }, kestrel: false, out _));
        error.Message.ShouldContain("needs an authorization policy");
        error.Message.ShouldContain("o.AuthorizationPolicy = \"ops\"");
        error.Message.ShouldContain("AllowAnonymous = true");
    }

    [Fact]
    public void MapConveyorAdmin_UnregisteredPolicy_StartupErrorNamesIt()
    {
        var error = Should.Throw<InvalidOperationException>(() => AdminTestApp.Build(o => o.AuthorizationPolicy = "admins", kestrel: false, out _));
        error.Message.ShouldContain("no authorization policy named 'admins'");
        error.Message.ShouldContain("AddPolicy(\"admins\"");
    }

    [Fact]
    public void MapConveyorAdmin_PolicyAndAnonymous_StartupError()
    {
        var error = Should.Throw<InvalidOperationException>(() => AdminTestApp.Build(o => (o.AuthorizationPolicy, o.AllowAnonymous) = ("ops", true), kestrel: false, out _));
        error.Message.ShouldContain("both AuthorizationPolicy ('ops') and AllowAnonymous");
    }

    [Theory]
    [InlineData(null, "", HttpStatusCode.Unauthorized)]
    [InlineData("mallory", "sales", HttpStatusCode.Forbidden)]
    [InlineData("alice", "ops", HttpStatusCode.OK)]
    public async Task Api_Policy_OnlyItsUsersGetIn(string? user, string roles, HttpStatusCode expected)
    {
        await using var app = await AdminTestApp.StartAsync();
        using var client = app.Client(user, roles);

        (await client.GetAsync(Api + "channels")).StatusCode.ShouldBe(expected);
        (await client.GetAsync(AdminTestApp.Prefix + "/")).StatusCode.ShouldBe(expected);
        using var pause = Post("consumers/pause", new { name = OrderHandler.Channel });
        (await client.SendAsync(pause)).StatusCode.ShouldBe(expected == HttpStatusCode.OK ? HttpStatusCode.NoContent : expected);
        Status(app).IsPaused.ShouldBe(expected == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Api_AllowAnonymous_ServedWithoutUserAndWarnedAtStartup()
    {
        await using var app = await AdminTestApp.StartAsync(o => o.AllowAnonymous = true);
        using var client = app.Client(user: null);

        (await client.GetAsync(Api + "channels")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var warning = app.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).ShouldHaveSingleItem();
        warning.Id.Id.ShouldBe(8001);
        warning.Message.ShouldContain("allows anonymous access");
    }

    [Theory]
    [InlineData("consumers/pause")]
    [InlineData("dead-letters/delete")]
    [InlineData("dead-letters/replay")]
    public async Task Post_WithoutAntiForgeryHeader_RejectedAndNothingChanges(string path)
    {
        await using var app = await AdminTestApp.StartAsync();
        var id = (await app.FailOrdersAsync("o-1")).Single();
        using var client = app.Client();

        var response = await client.PostAsJsonAsync(Api + path, new { name = OrderHandler.Channel, id });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("X-Conveyor-Admin");
        Status(app).IsPaused.ShouldBeFalse();
        (await app.Services.GetRequiredService<Failures.DeadLetters.IDeadLetters>().GetAsync(id)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Post_AsAForm_RejectedEvenWithTheHeader()
    {
        await using var app = await AdminTestApp.StartAsync();
        using var client = app.Client();
        using var form = new HttpRequestMessage(HttpMethod.Post, Api + "consumers/pause")
        {
            Content = new FormUrlEncodedContent([new("name", OrderHandler.Channel)]),
        };
        form.Headers.Add("X-Conveyor-Admin", "1");

        (await client.SendAsync(form)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        Status(app).IsPaused.ShouldBeFalse();
    }

    [Fact]
    public async Task DeadLetters_ListPageFilterShowReplayDelete()
    {
        await using var app = await AdminTestApp.StartAsync();
        var ids = await app.FailOrdersAsync("o-1", "o-2", "o-3");
        using var client = app.Client();

        var first = await Get(client, "dead-letters?limit=2");
        first.GetProperty("items").GetArrayLength().ShouldBe(2);
        var next = first.GetProperty("next").GetString().ShouldNotBeNull();
        var second = await Get(client, "dead-letters?limit=2&after=" + Uri.EscapeDataString(next));
        second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldBe([ids[2]]);
        second.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);
        (await Get(client, "dead-letters?exception=InvalidOperationException&endpoint=" + OrderHandler.EndpointId)).GetProperty("items").GetArrayLength().ShouldBe(3);
        (await Get(client, "dead-letters?exception=TimeoutException")).GetProperty("items").GetArrayLength().ShouldBe(0);
        (await client.GetAsync(Api + "dead-letters?after=not-a-token")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var shown = await Get(client, "dead-letters/show?id=" + Uri.EscapeDataString(ids[0]));
        var deadLetter = shown.GetProperty("deadLetter");
        deadLetter.GetProperty("endpointId").GetString().ShouldBe(OrderHandler.EndpointId);
        deadLetter.GetProperty("exceptionMessage").GetString().ShouldBe("Order o-1: the payment service is down");
        shown.GetProperty("bodyText").GetString()!.ShouldContain("\"o-1\"");
        shown.GetProperty("headers").EnumerateObject().ShouldNotBeEmpty();

        using (var replay = Post("dead-letters/replay", new { id = ids[0] }))
        {
            (await client.SendAsync(replay)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        await AdminTestApp.Until(() => app.Handled.Ids.Contains("o-1"), "the replayed order is handled");
        (await client.GetAsync(Api + "dead-letters/show?id=" + Uri.EscapeDataString(ids[0]))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        using (var delete = Post("dead-letters/delete", new { id = ids[1] }))
        {
            (await client.SendAsync(delete)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        (await Get(client, "dead-letters")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldBe([ids[2]]);
        app.Handled.Ids.ShouldBe(["o-1"], "a deleted dead letter is not handled");
        using var again = Post("dead-letters/replay", new { id = ids[1] });
        (await client.SendAsync(again)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Consumers_PauseThenResume_MessagesWaitAsLagThenAreHandled()
    {
        await using var app = await AdminTestApp.StartAsync();
        using var client = app.Client();
        await AdminTestApp.Until(() => Status(app).State == ConsumerState.Running, "the hosted consumer runs");

        using (var pause = Post("consumers/pause", new { name = OrderHandler.EndpointId }))
        {
            (await client.SendAsync(pause)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        var bus = app.Services.GetRequiredService<ICommandBus>();
        for (var i = 1; i <= 3; i++)
        {
            await bus.SendAsync(new PlaceOrder($"o-{i}"));
        }

        var orders = await Channel(client);
        orders.GetProperty("consumer").GetProperty("isPaused").GetBoolean().ShouldBeTrue();
        orders.GetProperty("lag").GetProperty("value").GetInt64().ShouldBe(3);
        app.Handled.Ids.ShouldBeEmpty();

        using (var resume = Post("consumers/resume", new { name = OrderHandler.Channel }))
        {
            (await client.SendAsync(resume)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        await AdminTestApp.Until(() => app.Handled.Ids.Count == 3, "the waiting orders are handled");
        (await Channel(client)).GetProperty("lag").GetProperty("value").GetInt64().ShouldBe(0);
        using var unknown = Post("consumers/pause", new { name = "ordres" });
        var response = await client.SendAsync(unknown);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("'orders'");
    }

    [Fact]
    public async Task Page_ServedWithItsFilesAndAStrictContentSecurityPolicy()
    {
        await using var app = await AdminTestApp.StartAsync();
        using var client = app.Client();

        var redirect = await app.App.GetTestServer().CreateRequest(AdminTestApp.Prefix)
            .AddHeader("X-Test-User", "alice").AddHeader("X-Test-Roles", "ops").GetAsync();
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        redirect.Headers.Location!.ToString().ShouldBe(AdminTestApp.Prefix + "/");

        var page = await client.GetAsync(AdminTestApp.Prefix + "/");
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("script-src 'self'");
        (await page.Content.ReadAsStringAsync()).ShouldContain("<script src=\"admin.js\"");
        (await client.GetStringAsync(AdminTestApp.Prefix + "/admin.js")).ShouldContain("X-Conveyor-Admin");
        (await client.GetAsync(AdminTestApp.Prefix + "/admin.css")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Get(client, "endpoints")).EnumerateArray().Select(e => e.GetProperty("id").GetString()).ShouldBe([OrderHandler.EndpointId]);
        app.Logs.Entries.ShouldNotContain(e => e.Id.Id == 8001, "behind a policy there is no anonymous-access warning");
    }

    private static ConsumerStatus Status(AdminTestApp app) =>
        app.Services.GetRequiredService<IConsumerStatusRegistry>().Find(OrderHandler.Channel) ?? new ConsumerStatus(OrderHandler.Channel, ConsumerState.Starting, [], null, null, 0);

    private static HttpRequestMessage Post(string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Api + path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Conveyor-Admin", "1");
        return request;
    }

    private static async Task<JsonElement> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync(Api + path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> Channel(HttpClient client) =>
        (await Get(client, "channels")).EnumerateArray().Single(c => c.GetProperty("name").GetString() == OrderHandler.Channel);
}
