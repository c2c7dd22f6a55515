using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>
/// Binds options from a configuration section so that a value that cannot be converted stops the host at start-up
/// with an <see cref="OptionsValidationException"/> naming each such key and what to write instead. Transports bind their
/// own options sections with it, so that a typo in one value never silently drops the section it is in.
/// </summary>
/// <remarks>
/// Not <c>BindConfiguration</c>: that requires an <see cref="IConfiguration"/> in the container, and Conveyor also runs
/// in bare service collections (tests, tools) that have none.
/// </remarks>
public static class OptionsSectionBinding
{
    /// <summary>Binds <typeparamref name="T"/> from the section at <paramref name="path"/> of the application's configuration, when it has one.</summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <param name="builder">The options builder.</param>
    /// <param name="path">The section's path, e.g. <c>Conveyor:Kafka</c>.</param>
    /// <returns>The builder.</returns>
    public static OptionsBuilder<T> BindSection<T>(this OptionsBuilder<T> builder, string path)
        where T : class =>
        builder.Configure<IServiceProvider>((options, services) =>
        {
            if (services.GetService<IConfiguration>() is { } configuration)
            {
                Bind(configuration.GetSection(path), options, builder.Name);
            }
        });

    /// <summary>Binds <paramref name="options"/> from <paramref name="section"/>, or throws naming every value that does not convert.</summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <param name="section">The section.</param>
    /// <param name="options">The options to fill.</param>
    /// <param name="name">The options' name, for the exception.</param>
    public static void Bind<T>(IConfiguration section, T options, string? name)
        where T : class
    {
        var errors = new List<string>();
        ConfigurationValues.Check(section, typeof(T), errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name ?? Options.DefaultName, typeof(T), errors);
        }

        section.Bind(options);
    }
}
