using System.Security.Claims;
using System.Text;
using Conveyor.Failures.DeadLetters;
using Conveyor.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Conveyor.AspNetCore.Admin;

/// <summary>The admin JSON API: reads are GETs, state changes are POSTs guarded by <see cref="CsrfHeader"/>.</summary>
internal static class AdminApi
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/endpoints", Endpoints);
        api.MapGet("/channels", ChannelsAsync);
        api.MapGet("/dead-letters", ListDeadLettersAsync);
        api.MapGet("/dead-letters/show", ShowDeadLetterAsync);

        var changes = api.MapGroup("/").AddEndpointFilter<CsrfHeader>();
        changes.MapPost("/consumers/pause", PauseAsync);
        changes.MapPost("/consumers/resume", ResumeAsync);
        changes.MapPost("/dead-letters/replay", ReplayAsync);
        changes.MapPost("/dead-letters/delete", DeleteAsync);
    }

    private static IEnumerable<EndpointView> Endpoints(ConveyorRuntime runtime) =>
        runtime.Endpoints.Values.OrderBy(e => e.Id, StringComparer.Ordinal).Select(e => e.Info).Select(info => new EndpointView(
            info.EndpointId,
            info.Kind.ToString().ToLowerInvariant(),
            $"{info.HandlerType.Name}.{info.Method.Name}",
            info.Channel,
            info.IsAsynchronous ? "async" : "sync",
            info.Routing ?? (info.PayloadType is { } payload ? MessageNames.Of(payload) : null)));

    private static async Task<IEnumerable<ChannelView>> ChannelsAsync(
        ConveyorRuntime runtime, IConsumerStatusRegistry status, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var views = new List<ChannelView>();
        foreach (var (name, channel) in runtime.Channels.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var consumer = status.Find(name);
            views.Add(new ChannelView(
                name,
                runtime.ChannelKinds.GetValueOrDefault(name),
                channel.Address,
                [.. runtime.EndpointsOn(name).Select(e => e.Id).Order(StringComparer.Ordinal)],
                channel.Capabilities.CanReceive,
                channel.Capabilities.CanPause,
                consumer is null ? null : new ConsumerView(
                    consumer.State.ToString(), consumer.IsPaused, consumer.AssignedPartitions, consumer.LastMessageAt, consumer.LastError, consumer.FailedDeadLetterWrites),
                await ChannelLag.ReadAsync(channel, loggers, cancellationToken).ConfigureAwait(false)));
        }

        return views;
    }

    private static async Task<Results<Ok<DeadLetterPageView>, ProblemHttpResult>> ListDeadLettersAsync(
        IDeadLetters deadLetters,
        string? endpoint,
        string? channel,
        string? exception,
        int? limit,
        string? after,
        CancellationToken cancellationToken)
    {
        DeadLetterQuery query;
        try
        {
            query = new DeadLetterQuery
            {
                Limit = limit ?? DeadLetterQuery.DefaultLimit,
                After = string.IsNullOrEmpty(after) ? null : after,
                EndpointId = Blank(endpoint),
                ChannelName = Blank(channel),
                ExceptionType = Blank(exception),
            };
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or FormatException)
        {
            return BadRequest(e is ArgumentOutOfRangeException ? $"limit must be between 1 and {DeadLetterQuery.MaxLimit}." : e.Message);
        }

        var page = await deadLetters.ListAsync(query, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new DeadLetterPageView([.. page.Items.Select(View)], page.Next));
    }

    private static async Task<Results<Ok<DeadLetterDetailView>, ProblemHttpResult>> ShowDeadLetterAsync(
        IDeadLetters deadLetters, string id, CancellationToken cancellationToken)
    {
        if (await deadLetters.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } deadLetter)
        {
            return NoSuchDeadLetter(id);
        }

        var message = deadLetter.Message;
        var text = AsText(message.Body.Span);
        return TypedResults.Ok(new DeadLetterDetailView(
            View(deadLetter),
            message.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
            message.Headers.ContentType,
            message.Body.Length,
            text,
            text is null ? Convert.ToBase64String(message.Body.Span) : null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PauseAsync(
        ConsumerRequest request, IConsumerRunner runner, HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            await runner.PauseAsync(request.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ConveyorConfigurationException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such consumer", detail: e.Message);
        }
        catch (NotSupportedException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The consumer cannot be paused", detail: e.Message);
        }

        Log.Paused(Logger(loggers), request.Name, UserOf(http));
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResumeAsync(
        ConsumerRequest request, IConsumerRunner runner, HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            await runner.ResumeAsync(request.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ConveyorConfigurationException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such consumer", detail: e.Message);
        }

        Log.Resumed(Logger(loggers), request.Name, UserOf(http));
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ReplayAsync(
        DeadLetterRequest request, IDeadLetters deadLetters, HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            await deadLetters.ReplayAsync(request.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            return NoSuchDeadLetter(request.Id);
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The dead letter cannot be replayed", detail: e.Message);
        }

        Log.Replayed(Logger(loggers), request.Id, UserOf(http));
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        DeadLetterRequest request, IDeadLetters deadLetters, HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await deadLetters.DeleteAsync(request.Id, cancellationToken).ConfigureAwait(false))
        {
            return NoSuchDeadLetter(request.Id);
        }

        Log.Deleted(Logger(loggers), request.Id, UserOf(http));
        return TypedResults.NoContent();
    }

    private static DeadLetterView View(DeadLetter d) =>
        new(d.Id, d.MessageId, d.EndpointId, d.ChannelName, d.Position, d.ExceptionType, d.ExceptionMessage, d.Attempts, d.FailedAt);

    private static ProblemHttpResult NoSuchDeadLetter(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such dead letter", detail: $"There is no dead letter '{id}': it was replayed or deleted, or the id is wrong.");

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: detail);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ILogger Logger(ILoggerFactory loggers) => loggers.CreateLogger(typeof(AdminApi).FullName!);

    private static string UserOf(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true } identity ? identity.Name ?? http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "(unnamed user)" : "(anonymous)";

    /// <summary>The body as text when it is valid UTF-8 without control characters other than line breaks and tabs.</summary>
    private static string? AsText(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')) ? null : text;
    }
}
