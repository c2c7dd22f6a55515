using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Orchestration;

/// <summary>
/// The remaining slip as it travels in <see cref="MessageHeaderNames.RoutingSlip"/>: a JSON array of step names, so that
/// any character a channel name may hold survives.
/// </summary>
internal static partial class RoutingSlipHeader
{
    public static string Write(IReadOnlyList<string> slip, int from) =>
        JsonSerializer.Serialize(slip.Skip(from).ToArray(), SlipJson.Default.StringArray);

    /// <exception cref="MessageRoutingException">The header is not a JSON array of names: the message cannot go on.</exception>
    public static string[] Read(string value)
    {
        try
        {
            return JsonSerializer.Deserialize(value, SlipJson.Default.StringArray) is { } slip && !slip.Any(string.IsNullOrEmpty)
                ? slip
                : throw Invalid(value, null);
        }
        catch (JsonException e)
        {
            throw Invalid(value, e);
        }
    }

    private static MessageRoutingException Invalid(string value, Exception? inner) =>
        new($"Header '{MessageHeaderNames.RoutingSlip}' = '{value}' is not a JSON array of step names, e.g. [\"lead.notify\"] ({inner?.Message ?? "an empty name"}). Only Conveyor writes this header; a message that carries another value was not sent by an orchestrator.");

    [JsonSerializable(typeof(string[]))]
    private sealed partial class SlipJson : JsonSerializerContext;
}
