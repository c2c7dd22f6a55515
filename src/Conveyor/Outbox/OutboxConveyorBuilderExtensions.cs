using Conveyor.Hosting;
using Conveyor.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Turns the transactional outbox on.</summary>
public static class OutboxConveyorBuilderExtensions
{
    /// <summary>
    /// Keeps the messages sent in a database unit of work (a handler's, or an explicit one's) in the outbox, in that
    /// unit of work's transaction, and relays them to their channels once it committed. Needs an outbox store: a store
    /// package registers one and calls this itself (<c>UseSqlite</c> does); call it to change the options in code.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="configure">Changes the options (the <c>Conveyor:Outbox</c> configuration section overrides them).</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder UseOutbox(this ConveyorBuilder builder, Action<OutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(OutboxSignal)))
        {
            return builder;
        }

        services.AddOptions<OutboxOptions>().BindSection(OutboxOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>());
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<Outgoing.IOutgoingMiddleware>(sp => ActivatorUtilities.CreateInstance<OutboxOutgoingMiddleware>(sp, StoreOf(sp)));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<OutboxRelay>(sp, StoreOf(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        return builder;
    }

    private static IOutboxStore StoreOf(IServiceProvider services) => services.GetService<IOutboxStore>()
        ?? throw new ConveyorConfigurationException("UseOutbox needs an outbox store, and none is registered. Call UseSqlite(...) (which has one), or register an IOutboxStore.");
}
