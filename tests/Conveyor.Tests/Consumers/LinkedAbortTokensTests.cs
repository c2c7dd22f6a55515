using Conveyor.Consumers;

namespace Conveyor.Tests.Consumers;

public sealed class LinkedAbortTokensTests
{
    [Fact]
    public void MessagesOfOneDeliverySource_ShareOneToken_CancelledWhenTheSourceIsLost()
    {
        using var abort = new CancellationTokenSource();
        using var partition = new CancellationTokenSource();
        using var other = new CancellationTokenSource();
        using var tokens = new LinkedAbortTokens(abort.Token);

        var first = tokens.For(partition.Token);
        Assert.Equal(first, tokens.For(partition.Token));
        var second = tokens.For(other.Token);
        Assert.NotEqual(first, second);

        partition.Cancel();
        Assert.True(first.IsCancellationRequested);
        Assert.False(second.IsCancellationRequested);
        Assert.False(abort.IsCancellationRequested);

        // A message of the lost source that still arrives gets a cancelled token.
        Assert.True(tokens.For(partition.Token).IsCancellationRequested);
    }

    [Fact]
    public void EveryToken_IsCancelledWhenTheRunAborts()
    {
        using var abort = new CancellationTokenSource();
        using var partition = new CancellationTokenSource();
        using var tokens = new LinkedAbortTokens(abort.Token);

        var linked = tokens.For(partition.Token);
        var unlinked = tokens.For(CancellationToken.None);
        abort.Cancel();

        Assert.True(linked.IsCancellationRequested);
        Assert.True(unlinked.IsCancellationRequested);
        Assert.False(partition.IsCancellationRequested);
    }

    [Fact]
    public void ASourceReassigned_GetsAFreshLink()
    {
        using var abort = new CancellationTokenSource();
        using var tokens = new LinkedAbortTokens(abort.Token);
        for (var assignment = 0; assignment < 3; assignment++)
        {
            using var partition = new CancellationTokenSource();
            var token = tokens.For(partition.Token);
            Assert.False(token.IsCancellationRequested);
            partition.Cancel();
            Assert.True(token.IsCancellationRequested);
        }
    }
}
