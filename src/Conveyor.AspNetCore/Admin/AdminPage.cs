using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.AspNetCore.Admin;

/// <summary>Serves the page's three files, embedded in this assembly.</summary>
internal static class AdminPage
{
    // The page loads nothing but its own files and talks to nothing but its own API; no inline script runs.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = new Dictionary<string, (byte[], string)>
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["admin.js"] = (Read("admin.js"), "text/javascript; charset=utf-8"),
        ["admin.css"] = (Read("admin.css"), "text/css; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/", (HttpContext http) =>
        {
            // Relative links (admin.js, api/…) need the page's URL to end with '/'.
            var request = http.Request;
            return request.Path.Value?.EndsWith('/') == true
                ? Serve(http, "index.html")
                : Results.Redirect($"{request.PathBase}{request.Path}/{request.QueryString}");
        });
        group.MapGet("/admin.js", (HttpContext http) => Serve(http, "admin.js"));
        group.MapGet("/admin.css", (HttpContext http) => Serve(http, "admin.css"));
    }

    private static IResult Serve(HttpContext http, string name)
    {
        var (content, contentType) = Files[name];
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Bytes(content, contentType);
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(AdminPage).Assembly.GetManifestResourceStream($"Conveyor.AspNetCore.Page.{name}")
            ?? throw new InvalidOperationException($"The admin page's '{name}' is missing from {typeof(AdminPage).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
