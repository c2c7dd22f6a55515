using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Marketplace.Tests;

/// <summary><c>dotnet run -- --admin</c>: the admin page on loopback, in the Development environment only.</summary>
public sealed class AdminFlagTests
{
    [Fact]
    public async Task Admin_InDevelopment_ServesThePageAndTheChannelsOnLoopback()
    {
        using var database = new SqliteFile();
        var host = Program.CreateHost([database.Argument, "--environment", "Development", "--Marketplace:AdminUrl=http://127.0.0.1:0"], admin: true);
        try
        {
            await host.StartAsync();
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ShouldHaveSingleItem();
            address.ShouldStartWith("http://127.0.0.1:");
            using var http = new HttpClient { BaseAddress = new Uri(address) };

            var page = await http.GetAsync(new Uri("/conveyor/", UriKind.Relative));
            var channels = await http.GetStringAsync(new Uri("/conveyor/api/channels", UriKind.Relative));

            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            channels.ShouldContain("\"name\":\"orders\"");
            channels.ShouldContain("\"name\":\"provider_matching\"");
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public void Admin_OutsideDevelopment_RefusesToStart_SayingHowToRunIt()
    {
        var error = Should.Throw<InvalidOperationException>(() => Program.CreateHost(["--environment", "Production"], admin: true).Dispose());

        error.Message.ShouldContain("only in the Development environment");
        error.Message.ShouldContain("DOTNET_ENVIRONMENT=Development");
    }

    [Fact]
    public void NoAdmin_IsNotAWebApplication()
    {
        using var database = new SqliteFile();
        using var host = Program.CreateHost([database.Argument]);

        host.Services.GetService<IServer>().ShouldBeNull();
    }
}
