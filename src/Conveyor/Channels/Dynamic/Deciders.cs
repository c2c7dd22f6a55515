using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Channels.Dynamic;

/// <summary>Resolves a dynamic channel's deciders from DI, each decision in a scope of its own.</summary>
internal sealed class Deciders(IServiceScopeFactory scopes)
{
    public async ValueTask<TResult> AskAsync<TDecider, TResult>(Type decider, Func<TDecider, ValueTask<TResult>> ask)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await ask((TDecider)scope.ServiceProvider.GetRequiredService(decider)).ConfigureAwait(false);
        }
    }
}
