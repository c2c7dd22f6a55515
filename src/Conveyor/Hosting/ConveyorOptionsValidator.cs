using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>Checks <see cref="ConveyorOptions"/> when the host starts; each error names the configuration key and the fix.</summary>
internal sealed class ConveyorOptionsValidator : IValidateOptions<ConveyorOptions>
{
    /// <summary>The longest <see cref="ConveyorOptions.ShutdownTimeout"/>: a stop that may take longer is not a shutdown.</summary>
    internal static readonly TimeSpan MaxShutdownTimeout = TimeSpan.FromDays(1);

    private const string Section = ConveyorOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ConveyorOptions options)
    {
        var errors = new List<string>();
        if (options.ShutdownTimeout < TimeSpan.Zero || options.ShutdownTimeout > MaxShutdownTimeout)
        {
            errors.Add($"{Section}:ShutdownTimeout: {options.ShutdownTimeout:c} is {(options.ShutdownTimeout < TimeSpan.Zero ? "negative" : "longer than a day")}. Set how long in-flight messages may take to finish when a consumer stops, e.g. \"00:00:30\" (zero cancels them at once).");
        }

        if (options.DeduplicationRetention <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:DeduplicationRetention: {options.DeduplicationRetention:c} is not positive. Set how long handled message keys are remembered, e.g. \"1.00:00:00\".");
        }

        if (options.InMemoryDeduplicationCapacity < 1)
        {
            errors.Add($"{Section}:InMemoryDeduplicationCapacity: {options.InMemoryDeduplicationCapacity} is less than one key. Set how many handled message keys the in-memory deduplication store remembers at most, e.g. 100000.");
        }

        if (options.LagRefreshInterval <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:LagRefreshInterval: {options.LagRefreshInterval:c} is not positive. Set how old the consumer lag gauge's reading may be, e.g. \"00:00:15\".");
        }

        if (!Enum.IsDefined(options.FinalFailureStrategy))
        {
            errors.Add($"{Section}:FinalFailureStrategy: {(int)options.FinalFailureStrategy} is not valid. Use one of: {string.Join(", ", Enum.GetNames<FinalFailureStrategy>())}.");
        }

        if (options.HostedConsumers?.Any(string.IsNullOrWhiteSpace) == true)
        {
            errors.Add($"{Section}:HostedConsumers: an entry is empty. List channel names or asynchronous endpoint ids (see 'conveyor list').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
