using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>
/// Binds options from a configuration section so that a value that cannot be converted stops the host at start-up
/// with an <see cref="OptionsValidationException"/> naming each such key and what to write instead.
/// </summary>
/// <remarks>
/// Not <c>BindConfiguration</c>: that requires an <see cref="IConfiguration"/> in the container, and Conveyor also runs
/// in bare service collections (tests, tools) that have none.
/// </remarks>
internal static class OptionsSectionBinding
{
    /// <summary>Binds <typeparamref name="T"/> from the section at <paramref name="path"/> of the application's configuration, when it has one.</summary>
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
