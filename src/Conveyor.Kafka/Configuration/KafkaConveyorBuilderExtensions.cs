using Conveyor;
using Conveyor.Kafka;
using Conveyor.Hosting;
using Conveyor.Kafka.Channels;
using Conveyor.Kafka.Configuration;
using Conveyor.Kafka.Lag;
using Conveyor.Kafka.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Kafka for Conveyor: <c>UseKafka</c>, <c>AddKafkaChannel</c>, <c>AddKafkaPublisher</c>.</summary>
public static class KafkaConveyorBuilderExtensions
{
    /// <summary>
    /// Uses Kafka with options bound from <c>Conveyor:Kafka</c> (when the application has an <see cref="IConfiguration"/>)
    /// and changed by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="configure">Changes the options after binding.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder UseKafka(this ConveyorBuilder builder, Action<KafkaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddKafkaServices(builder);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Uses Kafka with options bound from <paramref name="section"/> (e.g. <c>Configuration.GetSection("Conveyor:Kafka")</c>).</summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder UseKafka(this ConveyorBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        AddKafkaServices(builder);
        builder.Services.Configure<KafkaOptions>(o => OptionsSectionBinding.Bind(section, o, Microsoft.Extensions.Options.Options.DefaultName));
        return builder;
    }

    /// <summary>
    /// Registers a Kafka message channel for <c>[Asynchronous(name)]</c> handlers: the topic defaults to the channel
    /// name and the consumer group to the channel name.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="name">The channel name.</param>
    /// <param name="topic">The topic; the channel name when null.</param>
    /// <param name="groupId">The consumer group; the channel name when null.</param>
    /// <param name="configure">Changes the channel's options.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddKafkaChannel(this ConveyorBuilder builder, string name, string? topic = null, string? groupId = null, Action<KafkaChannelOptions>? configure = null)
    {
        AddKafkaServices(builder);
        var options = new KafkaChannelOptions { Topic = topic, GroupId = groupId };
        configure?.Invoke(options);
        return builder.AddChannel(name, sp => sp.GetRequiredService<KafkaChannelFactory>().Channel(name, options), "kafka", options.FinalFailureStrategy);
    }

    /// <summary>
    /// Registers a publisher to <paramref name="topic"/> under <paramref name="referenceName"/>; inject it with
    /// <c>[FromKeyedServices("partner_x_publisher")] IKafkaPublisher publisher</c>. It is also a send-only channel of
    /// that name (kind <c>kafka-publisher</c>), which a flow test replaces with a recording in-memory channel. An
    /// <see cref="IKafkaPublisher"/> registered under the same key before this call (a test double) is kept instead.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="referenceName">The DI key.</param>
    /// <param name="topic">The topic it writes to.</param>
    /// <param name="configure">Changes its options (e.g. producer properties).</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddKafkaPublisher(this ConveyorBuilder builder, string referenceName, string topic, Action<KafkaPublisherOptions>? configure = null)
    {
        AddKafkaServices(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(referenceName);
        var options = new KafkaPublisherOptions { Topic = topic };
        configure?.Invoke(options);
        // TryAdd: a publisher the application registered under this name before (a test double in a flow test's
        // services) wins over the real one.
        builder.Services.TryAddKeyedSingleton<IKafkaPublisher>(referenceName, (sp, _) => sp.GetRequiredService<KafkaChannelFactory>().Publisher(referenceName, options));
        return builder.AddChannel(referenceName, sp => sp.GetRequiredService<KafkaChannelFactory>().PublisherChannel(referenceName, options), "kafka-publisher");
    }

    private static void AddKafkaServices(ConveyorBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(KafkaChannelFactory)))
        {
            return;
        }

        services.AddOptions<KafkaOptions>().BindSection(KafkaOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        services.TryAddSingleton<KafkaProducers>();
        services.TryAddSingleton<KafkaTopics>();
        services.TryAddSingleton<KafkaChannelFactory>();
        services.TryAddSingleton<IKafkaLag, KafkaLag>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Conveyor.Diagnostics.ITransportHealthCheck, Conveyor.Kafka.Health.KafkaBrokerHealthCheck>());
        builder.AddConsumerEndpointSource<KafkaConsumerAttribute>((sp, attribute, endpoint) => sp.GetRequiredService<KafkaChannelFactory>().Consumer(attribute, endpoint), "kafka");
    }
}
