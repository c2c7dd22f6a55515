using Microsoft.Extensions.Options;

namespace Conveyor.Storage;

/// <summary>
/// Checks a database store's options at start-up, naming each bad value and what to write instead: the shared
/// <see cref="DatabaseStoreOptions"/> here, where the database is in the package's <see cref="ValidateDatabase"/>.
/// </summary>
/// <typeparam name="TOptions">The package's options.</typeparam>
/// <param name="sectionName">The options' configuration section, which every message names, e.g. <c>Conveyor:Sqlite</c>.</param>
public abstract class DatabaseStoreOptionsValidator<TOptions>(string sectionName) : IValidateOptions<TOptions>
    where TOptions : DatabaseStoreOptions
{
    /// <summary>The options' configuration section.</summary>
    protected string SectionName { get; } = sectionName;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateDatabase(options, errors);
        Positive(options.SchedulerPollInterval, nameof(DatabaseStoreOptions.SchedulerPollInterval), "00:00:01", errors);
        Positive(options.CleanupInterval, nameof(DatabaseStoreOptions.CleanupInterval), "00:05:00", errors);
        if (options.SchedulerLease < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{SectionName}:SchedulerLease {options.SchedulerLease:c} is shorter than a second: another instance would take messages still being delivered. Use e.g. 00:00:30.");
        }

        if (options.SchedulerBatchSize < 1)
        {
            errors.Add($"{SectionName}:SchedulerBatchSize {options.SchedulerBatchSize} must be 1 or more, e.g. 100.");
        }

        if (options.CleanupBatchSize < 1)
        {
            errors.Add($"{SectionName}:CleanupBatchSize {options.CleanupBatchSize} must be 1 or more, e.g. 1000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds an error for each bad setting of where the database is and how it is reached.</summary>
    /// <param name="options">The options.</param>
    /// <param name="errors">The errors found so far.</param>
    protected abstract void ValidateDatabase(TOptions options, List<string> errors);

    /// <summary>Adds an error when <paramref name="value"/> is not positive.</summary>
    /// <param name="value">The value.</param>
    /// <param name="key">The setting's key in the section.</param>
    /// <param name="example">A good value, for the message.</param>
    /// <param name="errors">The errors found so far.</param>
    protected void Positive(TimeSpan value, string key, string example, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{key} {value:c} must be positive, e.g. {example}.");
        }
    }
}
