using Conveyor.Tests.Hosting.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conveyor.Tests.Hosting;

/// <summary>Options and failure attributes are validated when the host starts; every error names the key or endpoint and the fix.</summary>
public sealed class OptionsValidationTests
{
    public sealed record Ping(string Id);

    public sealed class NegativeInstantRetry
    {
        [Asynchronous("pings")]
        [CommandHandler(EndpointId = "pings.negative_instant")]
        [InstantRetry(-1)]
        public void Handle(Ping ping)
        {
        }
    }

    public sealed class NegativeDelayedRetry
    {
        [Asynchronous("pings")]
        [EventHandler(EndpointId = "pings.negative_delayed")]
        [DelayedRetry(-3, InitialDelayMs = -100)]
        public void Handle(Ping ping)
        {
        }
    }

    [Fact]
    public async Task NegativeShutdownTimeoutWasAccepted_HostStart_FailsNamingTheKey()
    {
        using var host = Build(new() { ["Conveyor:ShutdownTimeout"] = "-00:00:05" });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Conveyor:ShutdownTimeout");
        error.Message.ShouldContain("-00:00:05");
    }

    [Fact]
    public async Task ZeroLagRefreshInterval_HostStart_FailsNamingTheKeyAndAnExample()
    {
        using var host = Build(new() { ["Conveyor:LagRefreshInterval"] = "00:00:00" });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Conveyor:LagRefreshInterval: 00:00:00 is not positive. Set how old the consumer lag gauge's reading may be, e.g. \"00:00:15\".");
    }

    [Fact]
    public async Task ZeroInMemoryDeduplicationCapacity_HostStart_FailsNamingTheKeyAndAnExample()
    {
        using var host = Build(new() { ["Conveyor:InMemoryDeduplicationCapacity"] = "0" });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Conveyor:InMemoryDeduplicationCapacity: 0 is less than one key.");
        error.Message.ShouldContain("e.g. 100000");
    }

    [Fact]
    public async Task UnparsableRootValue_HostStart_FailsNamingTheKeyAndTheExpectedFormat()
    {
        using var host = Build(new() { ["Conveyor:FinalFailureStrategy"] = "Retry", ["Conveyor:DeduplicationRetention"] = "a day" });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Conveyor:FinalFailureStrategy: 'Retry' is not valid. Use one of: Release, Resend, Ignore, Stop.");
        error.Message.ShouldContain("Conveyor:DeduplicationRetention: 'a day' is not a valid duration");
    }

    [Fact]
    public async Task InstantRetryNegativeWasAccepted_HostStart_FailsNamingTheEndpoint()
    {
        using var host = Build([], c => c.AddHandler<NegativeInstantRetry>());

        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync());

        error.Message.ShouldContain("pings.negative_instant: [InstantRetry(-1)] retries a negative number of times");
    }

    [Fact]
    public async Task DelayedRetryNegativeWasAccepted_HostStart_FailsNamingTheEndpointAndEachSetting()
    {
        using var host = Build([], c => c.AddHandler<NegativeDelayedRetry>());

        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync());

        error.Message.ShouldContain("pings.negative_delayed: [DelayedRetry(-3)] retries a negative number of times");
        error.Message.ShouldContain("pings.negative_delayed: [DelayedRetry] InitialDelayMs = -100 is negative");
    }

    [Fact]
    public async Task ListWithInvalidRootValueEscapedAsUnhandledException_PrintsTheKeyAndExits1()
    {
        var result = await CliApp.InvokeAsync(new CliApp().BuildHost(settings: new() { ["Conveyor:ShutdownTimeout"] = "banana" }), "list");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("Conveyor:ShutdownTimeout: 'banana' is not a valid duration");
        result.Error.ShouldNotContain("   at ");
        result.Output.ShouldNotContain("ENDPOINT");
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<ConveyorBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddConveyor(c =>
        {
            c.AddInMemoryChannel("pings");
            configure?.Invoke(c);
        });
        return builder.Build();
    }
}
