using Conveyor.Compliance.UnitOfWork;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.UnitOfWork;

/// <summary>The default unit of work has no transaction: the participant part of the suite.</summary>
public sealed class InMemoryUnitOfWorkComplianceTests : UnitOfWorkCompliance
{
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();

    protected override ValueTask<IUnitOfWork> BeginAsync() => ValueTask.FromResult<IUnitOfWork>(new InMemoryUnitOfWork(_services));

    public override async Task DisposeAsync() => await _services.DisposeAsync();
}
