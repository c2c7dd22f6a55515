using Conveyor.Compliance.Scheduling;
using Conveyor.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Tests.Scheduling;

public sealed class InMemoryMessageSchedulerComplianceTests : SchedulerCompliance
{
    protected override Task<IMessageScheduler> CreateSchedulerAsync(TimeProvider time) =>
        Task.FromResult<IMessageScheduler>(new InMemoryMessageScheduler(time, NullLogger<InMemoryMessageScheduler>.Instance));
}
