using Microsoft.Extensions.Options;

namespace Conveyor.Outbox;

/// <summary>Fails the start-up on outbox options that cannot work, saying which value to change.</summary>
internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        if (options.Lanes < 1)
        {
            failures.Add($"{OutboxOptions.SectionName}:Lanes is {options.Lanes}; set it to 1 or more (default 64).");
        }

        if (options.BatchSize < 1)
        {
            failures.Add($"{OutboxOptions.SectionName}:BatchSize is {options.BatchSize}; set it to 1 or more (default 100).");
        }

        if (options.MaxLanesPerRelay < 1)
        {
            failures.Add($"{OutboxOptions.SectionName}:MaxLanesPerRelay is {options.MaxLanesPerRelay}; set it to 1 or more (default 64).");
        }

        if (options.Lease < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{OutboxOptions.SectionName}:Lease is {options.Lease:c}; set it to at least one second, longer than the slowest batch takes to send (default 00:00:30).");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            failures.Add($"{OutboxOptions.SectionName}:PollInterval is {options.PollInterval:c}; set it above zero (default 00:00:01).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
