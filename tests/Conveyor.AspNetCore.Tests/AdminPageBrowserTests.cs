using Conveyor.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conveyor.AspNetCore.Tests;

/// <summary>
/// The admin page in a real headless Chromium (Debian's <c>/usr/bin/chromium</c>, which tests/run.sh installs), served
/// by Kestrel on 127.0.0.1. With <c>CONVEYOR_ADMIN_SCREENSHOTS</c> set to a folder (docs/images), the test also saves
/// the screenshots the documentation shows.
/// </summary>
public sealed class AdminPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly LocatorAssertionsToHaveTextOptions Refreshed = new() { Timeout = 15_000 };

    [Fact]
    public async Task Page_ReplayDeleteAndPause_WorkEndToEnd()
    {
        File.Exists(Chromium).ShouldBeTrue($"{Chromium} is missing: install Debian's chromium package (apt-get install -y chromium), as tests/run.sh does.");
        await using var app = await AdminTestApp.StartAsync(kestrel: true);
        var ids = await app.FailOrdersAsync("o-1", "o-2");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await using var context = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 1400, Height = 900 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["X-Test-User"] = "alice", ["X-Test-Roles"] = "ops" },
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();

        await page.GotoAsync(new Uri(app.Address, AdminTestApp.Prefix).ToString());
        page.Url.ShouldEndWith(AdminTestApp.Prefix + "/");
        var deadLetters = page.Locator("#dead-letters tbody tr");
        await Expect(deadLetters).ToHaveCountAsync(2);
        await Expect(page.Locator("#channels tr[data-channel='orders'] .state")).ToContainTextAsync("Running");

        // Show one: why it failed, its headers and body.
        await DeadLetter(page, ids[0], "show").ClickAsync();
        await Expect(page.Locator("#detail")).ToBeVisibleAsync();
        await Expect(page.Locator("#detail-summary")).ToContainTextAsync("Order o-1: the payment service is down");
        await Expect(page.Locator("#detail-body")).ToContainTextAsync("o-1");
        await ScreenshotAsync(page, "admin-dead-letter.png");

        // Replay it: it leaves the dead letter and the (now healthy) handler handles it.
        await DeadLetter(page, ids[0], "replay").ClickAsync();
        await Expect(deadLetters).ToHaveCountAsync(1);
        await Expect(page.Locator("#message")).ToContainTextAsync("Replayed");
        await AdminTestApp.Until(() => app.Handled.Ids.Contains("o-1"), "the replayed order is handled");

        // Pause the consumer: new orders wait, and the page shows them as lag.
        await page.Locator("#channels tr[data-channel='orders'] button.pause").ClickAsync();
        await Expect(page.Locator("#channels tr[data-channel='orders'] .state")).ToContainTextAsync("Paused");
        var bus = app.Services.GetRequiredService<ICommandBus>();
        foreach (var id in new[] { "o-3", "o-4", "o-5" })
        {
            await bus.SendAsync(new PlaceOrder(id));
        }

        var lag = page.Locator("#channels tr[data-channel='orders'] .lag");
        await Expect(lag).ToHaveTextAsync("3", Refreshed);
        app.Handled.Ids.ShouldBe(["o-1"], "a paused consumer handles nothing new");
        await ScreenshotAsync(page, "admin-overview.png");

        // Resume: the waiting orders are handled and the lag drains.
        await page.Locator("#channels tr[data-channel='orders'] button.resume").ClickAsync();
        await Expect(lag).ToHaveTextAsync("0", Refreshed);
        await AdminTestApp.Until(() => app.Handled.Ids.Count == 4, "the waiting orders are handled after the resume");

        // Delete the other dead letter (the page asks first; the test accepts).
        await DeadLetter(page, ids[1], "delete").ClickAsync();
        await Expect(deadLetters).ToHaveCountAsync(0);
        await Expect(page.Locator("#dead-letters-empty")).ToBeVisibleAsync();
        app.Handled.Ids.ShouldNotContain("o-2");
        errors.ShouldBeEmpty();
    }

    private static ILocator DeadLetter(IPage page, string id, string action) =>
        page.Locator($"#dead-letters tr[data-id=\"{id}\"] button.{action}");

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CONVEYOR_ADMIN_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name), FullPage = true });
        }
    }
}
