using Conveyor.Channels.InMemory;
using Conveyor.Failures.DeadLetters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.Hosting.CommandLine;

/// <summary>
/// A small application run through <see cref="ConveyorHostExtensions.RunWithConveyorAsync"/>. Each invocation builds a
/// fresh host, as each <c>dotnet run -- conveyor ...</c> is a fresh process; the hosts share their channels, dead-letter
/// store and domain state, as processes share a broker and a database.
/// </summary>
internal sealed class CliApp
{
    public InMemoryChannel Orders { get; } = new("orders");

    public InMemoryChannel Payments { get; } = new("payments");

    public InMemoryDeadLetterStore DeadLetterStore { get; } = new();

    public Warehouse Warehouse { get; } = new();

    public PaymentGateway Gateway { get; } = new();

    public IHost BuildHost(Action<ConveyorBuilder>? configure = null, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Warehouse).AddSingleton(Gateway).AddSingleton<IDeadLetterStore>(DeadLetterStore);
        builder.Services.AddConveyor(c =>
        {
            c.AddHandlers(typeof(ShippingHandler), typeof(PaymentHandler), typeof(AuditHandler))
                .AddChannel("orders", _ => Orders, "in-memory")
                .AddChannel("payments", _ => Payments, "in-memory");
            configure?.Invoke(c);
        });
        return builder.Build();
    }

    /// <summary>Sends commands from another "process" of the application, onto the shared channels.</summary>
    public async Task SendAsync(params object[] commands)
    {
        using var host = BuildHost();
        var bus = host.Services.GetRequiredService<ICommandBus>();
        foreach (var command in commands)
        {
            await bus.SendAsync(command);
        }
    }

    /// <summary>Runs <c>conveyor &lt;args&gt;</c> in a fresh host, capturing what it writes.</summary>
    public Task<CliResult> InvokeAsync(params string[] args) => InvokeAsync(BuildHost(), args);

    public static async Task<CliResult> InvokeAsync(IHost host, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exitCode = await host.RunWithConveyorAsync(["conveyor", .. args]);
            return new CliResult(exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The output line that contains <paramref name="text"/>; fails when there is none or several.</summary>
    public string Line(string text) => Output.Split('\n').Single(l => l.Contains(text, StringComparison.Ordinal)).TrimEnd();

    /// <summary>The table row whose first column is <paramref name="key"/>; fails when there is none or several.</summary>
    public string Row(string key) => Output.Split('\n').Single(l => l.StartsWith(key + " ", StringComparison.Ordinal)).TrimEnd();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}--- stderr\n{Error}";
}

public sealed record ShipOrder(string OrderId);

public sealed record ChargeCard(string OrderId, decimal Amount);

[Message("billing.payment.captured")]
public sealed record PaymentCaptured(string OrderId);

public sealed class Warehouse
{
    public List<string> Shipped { get; } = [];
}

public sealed class PaymentGateway
{
    public bool Declining { get; set; }

    public List<string> Charged { get; } = [];
}

public sealed class ShippingHandler(Warehouse warehouse)
{
    [Asynchronous("orders")]
    [CommandHandler(EndpointId = "shipping.ship_order")]
    public void Ship(ShipOrder command) => warehouse.Shipped.Add(command.OrderId);
}

public sealed class PaymentHandler(PaymentGateway gateway)
{
    [Asynchronous("payments")]
    [CommandHandler(EndpointId = "billing.charge_card")]
    public void Charge(ChargeCard command)
    {
        if (gateway.Declining)
        {
            throw new InvalidOperationException($"The card for {command.OrderId} was declined.");
        }

        gateway.Charged.Add(command.OrderId);
    }
}

public sealed class AuditHandler
{
    [EventHandler("billing.*", EndpointId = "audit.billing")]
    public void Record(PaymentCaptured captured)
    {
    }
}
