using System.Data.Common;
using Conveyor.UnitOfWork;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.EntityFrameworkCore.Tests;

/// <summary>A DbContext that cannot share the store's connection fails the host's start, saying how to fix it.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly SqliteFile _file = new();

    [Fact]
    public async Task NoDatabaseStore_FailsStart()
    {
        var error = await StartFailsAsync(services => services.AddDbContext<ShopContext>(o => o.UseSqlite(_file.ConnectionString)), c => { });

        error.Message.ShouldContain("UseEntityFrameworkCore<ShopContext>() needs a database store");
        error.Message.ShouldContain("UseSqlite(...)");
    }

    [Fact]
    public async Task ContextNotRegistered_FailsStart()
    {
        var error = await StartFailsAsync(services => { }, c => c.UseSqlite(_file.ConnectionString));

        error.Message.ShouldContain("ShopContext is not registered: add services.AddDbContext<ShopContext>");
    }

    [Fact]
    public async Task ContextRegisteredAgainAfterConveyorWrappedIt_FailsStart()
    {
        var error = await StartFailsAsync(
            services => services.AddDbContext<ShopContext>(o => o.UseSqlite(_file.ConnectionString)),
            c => c.UseSqlite(_file.ConnectionString),
            after: services => services.AddScoped<ShopContext>());

        error.Message.ShouldContain("ShopContext is registered again after UseEntityFrameworkCore<ShopContext>()");
    }

    [Fact]
    public async Task ProviderOfAnotherDatabase_FailsStart()
    {
        // Stands in for a store of another database (UsePostgreSql): its unit of work holds another kind of connection.
        var error = await StartFailsAsync(
            services => services.AddDbContext<ShopContext>(o => o.UseSqlite(_file.ConnectionString)),
            c => c.Services.Replace(ServiceDescriptor.Singleton<IUnitOfWorkFactory, OtherDatabaseUnitOfWorkFactory>()));

        error.Message.ShouldContain("ShopContext uses the provider Microsoft.EntityFrameworkCore.Sqlite, whose connections are SqliteConnection, but Conveyor's store holds a DbConnection");
    }

    [Fact]
    public async Task RetryingExecutionStrategy_FailsStart()
    {
        var error = await StartFailsAsync(
            services => services.AddDbContext<ShopContext>(o => o.UseSqlite(_file.ConnectionString, s => s.ExecutionStrategy(d => new RetryingStrategy(d)))),
            c => c.UseSqlite(_file.ConnectionString));

        error.Message.ShouldContain("ShopContext is configured with a retrying execution strategy");
    }

    [Fact]
    public void UseEntityFrameworkCoreTwice_IsRefused()
    {
        var services = new ServiceCollection();

        var error = Should.Throw<ConveyorConfigurationException>(() =>
            services.AddConveyor(c => c.UseEntityFrameworkCore<ShopContext>().UseEntityFrameworkCore<ShopContext>()));

        error.Message.ShouldContain("is called twice");
    }

    [Fact]
    public async Task AddDbContextAfterConveyor_IsWrappedToo()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddConveyor(c => c.UseSqlite(_file.ConnectionString).UseEntityFrameworkCore<ShopContext>());
        builder.Services.AddDbContext<ShopContext>(o => o.UseSqlite(_file.ConnectionString));
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();
    }

    public void Dispose() => _file.Dispose();

    private static async Task<OptionsValidationException> StartFailsAsync(Action<IServiceCollection> services, Action<ConveyorBuilder> conveyor, Action<IServiceCollection>? after = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        services(builder.Services);
        builder.Services.AddConveyor(c =>
        {
            conveyor(c);
            c.UseEntityFrameworkCore<ShopContext>();
        });
        after?.Invoke(builder.Services);
        using var host = builder.Build();

        return await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());
    }

    private sealed class RetryingStrategy(ExecutionStrategyDependencies dependencies) : ExecutionStrategy(dependencies, maxRetryCount: 3, maxRetryDelay: TimeSpan.FromSeconds(1))
    {
        protected override bool ShouldRetryOn(Exception exception) => true;
    }

    private sealed class OtherDatabaseUnitOfWorkFactory : IDbUnitOfWorkFactory
    {
        public Type ConnectionType => typeof(DbConnection);

        public ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken) =>
            throw new NotSupportedException("start-up fails before a message is handled");
    }
}
