using System.Text;
using Conveyor.Channels;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Conveyor.Compliance.Channels;

/// <summary>
/// The behaviour every <see cref="IReceivingChannel"/> shares, whatever carries its messages: derive a test class, create
/// a fresh channel in <see cref="CreateChannelAsync"/>, and every test here runs against it. A test of a capability the
/// channel does not state (<see cref="ChannelCapabilities"/>) checks the weaker promise that remains.
/// </summary>
public abstract class ChannelCompliance : IAsyncLifetime
{
    private const string ResentHeader = "compliance-resent";
    private readonly List<IReceivingChannel> _channels = [];
    private TimeProvider? _time;

    /// <summary>
    /// Whether the channel runs on the <see cref="TimeProvider"/> it is given, so that the suite moves a
    /// <see cref="FakeTimeProvider"/> to make delays pass. False: it gets <see cref="TimeProvider.System"/> and the suite
    /// uses <see cref="RealDelay"/>.
    /// </summary>
    protected virtual bool UsesFakeClock => true;

    /// <summary>The delay a due-time test uses on real time; short, but long enough to tell early from late.</summary>
    protected virtual TimeSpan RealDelay => TimeSpan.FromSeconds(1);

    /// <summary>The longest a test waits for a delivery or for a receive loop to return.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(30);

    /// <summary>The clock every channel of this test runs on: a <see cref="FakeTimeProvider"/> when <see cref="UsesFakeClock"/>.</summary>
    protected TimeProvider Time => _time ??= UsesFakeClock ? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) : TimeProvider.System;

    private FakeTimeProvider? Clock => Time as FakeTimeProvider;

    /// <summary>
    /// Creates a channel nobody else uses (for Kafka: on a fresh topic and group). A channel that is
    /// <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> is disposed after the test.
    /// </summary>
    /// <param name="time">The clock it must run on.</param>
    /// <returns>The channel.</returns>
    protected abstract Task<IReceivingChannel> CreateChannelAsync(TimeProvider time);

    /// <summary>Releases what <see cref="CreateChannelAsync"/> set up besides the channels (e.g. a service provider).</summary>
    /// <returns>A task that completes once released.</returns>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            switch (channel)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        await CleanupAsync().ConfigureAwait(false);
    }

    /// <summary>A receiving channel says it can receive, and a channel that reports lag counts what waits.</summary>
    [Fact]
    public async Task Capabilities_AreConsistentWithWhatTheChannelDoes()
    {
        var channel = await NewChannelAsync();
        var capabilities = channel.Capabilities;

        capabilities.CanReceive.ShouldBeTrue("an IReceivingChannel can be consumed");
        (capabilities.MaxDeliveryDelay >= TimeSpan.Zero || capabilities.MaxDeliveryDelay == System.Threading.Timeout.InfiniteTimeSpan)
            .ShouldBeTrue($"MaxDeliveryDelay {capabilities.MaxDeliveryDelay} is neither a delay nor infinite");
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var lag = await channel.GetLagAsync(CancellationToken.None);
        if (!capabilities.ReportsLag)
        {
            lag.ShouldBeNull("a channel that does not report lag says it does not know");
            return;
        }

        lag.ShouldBe(2, "two messages wait");
        await ReceiveUntilEmptyAsync(channel, new ReceiveProbe(Time));
        (await channel.GetLagAsync(CancellationToken.None)).ShouldBe(0, "everything was completed");
    }

    /// <summary>Messages arrive in the order they were sent, intact.</summary>
    [Fact]
    public async Task SendAsync_ThenReceive_DeliversEveryMessageInOrderWithItsHeadersAndBody()
    {
        var channel = await NewChannelAsync();
        var ids = new[] { "a", "b", "c", "d", "e" };
        foreach (var id in ids)
        {
            var message = Message(id);
            message.Headers.Set("tenant", "acme");
            await channel.SendAsync(message, CancellationToken.None);
        }

        var probe = new ReceiveProbe(Time);
        await ReceiveUntilAsync(channel, probe, d => d.Count >= ids.Length, "all five messages arrived");

        probe.Ids.ShouldBe(ids);
        foreach (var delivery in probe.Deliveries)
        {
            Encoding.UTF8.GetString(delivery.Message.Message.Body.Span).ShouldBe($"body of {delivery.Id}");
            delivery.Message.Message.Headers.Get("tenant").ShouldBe("acme");
            delivery.Message.Message.Headers.ContentType.ShouldBe("text/plain");
        }
    }

    /// <summary>What an inbound message tells its handler besides the message.</summary>
    [Fact]
    public async Task InboundMessage_NamesItsChannelAndPosition_AndItsRevokedTokenIsNotCancelledWhileItIsHandled()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        var handled = new TaskCompletionSource<(bool Revoked, bool HandlerTokenCancelled)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new ReceiveProbe(Time)
        {
            Answer = (delivery, token) =>
            {
                handled.TrySetResult((delivery.Message.Revoked.IsCancellationRequested, token.IsCancellationRequested));
                return ValueTask.FromResult(Acknowledgement.Completed);
            },
        };

        // Until the handler looked, not merely until the message arrived: the loop stops after this, and a stop gives
        // the delivery up (Revoked is cancelled), which the handler must not see while nothing else gave it up.
        await ReceiveUntilAsync(channel, probe, _ => handled.Task.IsCompleted, "the handler saw the message");

        var received = probe.Deliveries.Single().Message;
        received.ChannelName.ShouldBe(channel.Name);
        received.Position.ShouldNotBeNullOrWhiteSpace();
        received.ReadError.ShouldBeNull();
        var (revoked, handlerTokenCancelled) = await handled.Task;
        revoked.ShouldBeFalse("Revoked was cancelled while the handler had the message, though nothing gave it up");
        handlerTokenCancelled.ShouldBeFalse();
    }

    /// <summary>A completed message is gone: the next consumer does not get it again.</summary>
    [Fact]
    public async Task Completed_RemovesTheMessage()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);

        var first = await ReceiveUntilEmptyAsync(channel, new ReceiveProbe(Time));
        var again = new ReceiveProbe(Time);
        var second = await ReceiveUntilEmptyAsync(channel, again);

        first.Completed.ShouldBe(2);
        second.Completed.ShouldBe(0);
        again.Ids.ShouldBeEmpty();
    }

    /// <summary>A stop-when-empty run of a channel with nothing in it returns at once.</summary>
    [Fact]
    public async Task StopWhenEmpty_OnAnEmptyChannel_Returns()
    {
        var channel = await NewChannelAsync();
        var probe = new ReceiveProbe(Time);

        var summary = await ReceiveUntilEmptyAsync(channel, probe);

        summary.Completed.ShouldBe(0);
        summary.StoppedOn.ShouldBeNull();
        probe.Ids.ShouldBeEmpty();
    }

    /// <summary>A stop-when-empty run handles what is there, then returns.</summary>
    [Fact]
    public async Task StopWhenEmpty_AfterHandlingWhatWaits_Returns()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var probe = new ReceiveProbe(Time);

        var summary = await ReceiveUntilEmptyAsync(channel, probe);

        summary.Completed.ShouldBe(2);
        probe.Ids.ShouldBe(["a", "b"]);
    }

    /// <summary>A released message comes again; a channel that keeps order on release delivers it before what follows.</summary>
    [Fact]
    public async Task Release_RedeliversTheMessage_BeforeWhatFollowsWhenTheChannelKeepsOrder()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var probe = new ReceiveProbe(Time)
        {
            Answer = (delivery, _) => ValueTask.FromResult(delivery is { Id: "a", Attempt: 1 } ? Acknowledgement.Release : Acknowledgement.Completed),
        };

        // A release may wait on the channel's clock before the next delivery: a fake clock is moved on while waiting.
        await ReceiveUntilAsync(channel, probe, d => d.Count(x => x.Id == "a") == 2 && d.Any(x => x.Id == "b"), "a was delivered again and b arrived", MoveClock);

        if (channel.Capabilities.KeepsOrderOnRelease)
        {
            probe.Ids.ShouldBe(["a", "a", "b"]);
        }
        else
        {
            probe.Ids.Count(id => id == "a").ShouldBe(2);
        }
    }

    /// <summary><see cref="InboundMessage.ResendAsync"/> appends the message at the end of its source.</summary>
    [Fact]
    public async Task ResendAsync_AppendsTheMessageAfterEverythingSentBefore()
    {
        var channel = await NewChannelAsync();
        foreach (var id in new[] { "a", "b", "c" })
        {
            await channel.SendAsync(Message(id), CancellationToken.None);
        }

        var probe = new ReceiveProbe(Time)
        {
            Answer = async (delivery, token) =>
            {
                if (delivery is { Id: "a", Attempt: 1 })
                {
                    var copy = delivery.Message.Message.Copy();
                    copy.Headers.Set(ResentHeader, "yes");
                    await delivery.Message.ResendAsync(copy, token);
                }

                return Acknowledgement.Completed;
            },
        };

        await ReceiveUntilAsync(channel, probe, d => d.Count == 4, "the resent copy arrived");

        probe.Ids.ShouldBe(["a", "b", "c", "a"]);
        probe.Deliveries[^1].Message.Message.Headers.Get(ResentHeader).ShouldBe("yes");
        Encoding.UTF8.GetString(probe.Deliveries[^1].Message.Message.Body.Span).ShouldBe("body of a");
    }

    /// <summary><see cref="IReceivingChannel.RedeliverAsync"/> reaches the channel's own consumers.</summary>
    [Fact]
    public async Task RedeliverAsync_ReachesTheChannelsConsumers()
    {
        var channel = await NewChannelAsync();
        var message = Message("a");
        message.Headers.Set(MessageHeaderNames.DeliveryAttempt, "1");

        await channel.RedeliverAsync(message, CancellationToken.None);
        var probe = new ReceiveProbe(Time);
        await ReceiveUntilAsync(channel, probe, d => d.Count == 1, "the redelivered message arrived");

        var received = probe.Deliveries.Single().Message.Message;
        received.MessageId.ShouldBe("a");
        received.Headers.DeliveryAttempt.ShouldBe(1);
        Encoding.UTF8.GetString(received.Body.Span).ShouldBe("body of a");
    }

    /// <summary>
    /// A message with a due time the channel can hold is not delivered before it, and does not hold up what is sent
    /// after it (for Kafka: later records of the same partition flow while it waits).
    /// </summary>
    [Fact]
    public async Task DueTime_WithinMaxDeliveryDelay_IsNotDeliveredBeforeIt_AndDoesNotHoldUpLaterMessages()
    {
        var channel = await NewChannelAsync();
        var max = channel.Capabilities.MaxDeliveryDelay;
        if (max == TimeSpan.Zero)
        {
            // The channel cannot delay at all: the outgoing path sends it no due time, so there is nothing to hold.
            return;
        }

        var wanted = Clock is null ? RealDelay : TimeSpan.FromMinutes(1);
        var delay = max == System.Threading.Timeout.InfiniteTimeSpan || wanted <= max ? wanted : max;
        var late = Message("late");
        late.SetDeliverAt(Time.GetUtcNow() + delay);
        var due = late.DeliverAt!.Value;
        await channel.SendAsync(late, CancellationToken.None);
        await channel.SendAsync(Message("early"), CancellationToken.None);

        var probe = new ReceiveProbe(Time);
        using var stop = new CancellationTokenSource();
        var run = channel.ReceiveAsync(probe.HandleAsync, new ReceiveOptions(), stop.Token);
        try
        {
            await probe.UntilAsync(d => d.Any(x => x.Id == "early"), run, Timeout, "the message sent after the delayed one arrived");
            if (Clock is { } clock)
            {
                // Up to a moment before the due time, then a barrier message: had the delayed one been released
                // early it would have arrived before the barrier.
                clock.Advance(due - clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
                await channel.SendAsync(Message("barrier"), CancellationToken.None);
                await probe.UntilAsync(d => d.Any(x => x.Id == "barrier"), run, Timeout, "the barrier arrived");
                probe.Ids.ShouldNotContain("late");
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }

            // Once due, a fake clock may move on while waiting: a channel that waits relative to the moment it looked
            // may have armed its timer just after the clock reached the due time.
            await probe.UntilAsync(d => d.Any(x => x.Id == "late"), run, Timeout, "the delayed message arrived once due", MoveClock);
        }
        finally
        {
            await stop.CancelAsync();
        }

        await run.WaitAsync(Timeout);

        // The later message must not wait for the delayed one. That shows only while the delayed one is not yet due: a
        // consumer that got going after the due time (a slow group join on a loaded machine) may take either first.
        var first = probe.Deliveries[0];
        if (first.At < due)
        {
            first.Id.ShouldBe("early", "a message sent after a delayed one is not held up by it");
        }

        var handledAt = probe.Deliveries.Single(d => d.Id == "late").At;

        // On real time, timers and the wall clock are different clocks: allow their skew, never a delivery early by more.
        var tolerance = Clock is null ? TimeSpan.FromMilliseconds(15) : TimeSpan.Zero;
        handledAt.ShouldBeGreaterThanOrEqualTo(due - tolerance, "the delayed message was delivered before its due time");
    }

    /// <summary>
    /// <see cref="Acknowledgement.Stop"/> ends the loop, reports the message, and leaves it unacknowledged: the next
    /// consumer gets it first.
    /// </summary>
    [Fact]
    public async Task StopAcknowledgement_EndsTheLoop_ReportsTheMessage_AndLeavesItForTheNextConsumer()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var stopping = new ReceiveProbe(Time) { Answer = (_, _) => ValueTask.FromResult(Acknowledgement.Stop) };

        var summary = await channel.ReceiveAsync(stopping.HandleAsync, new ReceiveOptions(), CancellationToken.None).WaitAsync(Timeout);

        summary.StoppedOn.ShouldNotBeNullOrWhiteSpace();
        summary.Completed.ShouldBe(0);
        stopping.Ids.ShouldBe(["a"]);
        var next = new ReceiveProbe(Time);
        await ReceiveUntilAsync(channel, next, d => d.Count == 2, "both messages arrived at the next consumer");
        next.Ids.ShouldBe(["a", "b"]);
    }

    /// <summary>
    /// Cancelling the receive token stops the loop gracefully: the message being handled finishes with its own token
    /// untouched and is acknowledged, nothing new is handed out, and the loop returns without throwing.
    /// </summary>
    [Fact]
    public async Task CancellingTheReceiveToken_LetsTheMessageInHandFinish_AndHandsOutNothingMore()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool? handlerTokenCancelled = null;
        var probe = new ReceiveProbe(Time)
        {
            Answer = async (_, token) =>
            {
                entered.TrySetResult();
                await proceed.Task;
                handlerTokenCancelled = token.IsCancellationRequested;
                return Acknowledgement.Completed;
            },
        };

        using var stop = new CancellationTokenSource();
        var run = channel.ReceiveAsync(probe.HandleAsync, new ReceiveOptions(), stop.Token);
        await Task.WhenAny(entered.Task, run).WaitAsync(Timeout);
        entered.Task.IsCompleted.ShouldBeTrue("the loop returned before handing out a message");
        await stop.CancelAsync();
        proceed.SetResult();
        var summary = await run.WaitAsync(Timeout);

        probe.Ids.ShouldBe(["a"]);
        handlerTokenCancelled.ShouldBe(false, "a graceful stop does not cancel the handler's token");
        summary.Completed.ShouldBe(1);
        var rest = new ReceiveProbe(Time);
        await ReceiveUntilEmptyAsync(channel, rest);
        rest.Ids.ShouldBe(["b"], "a was acknowledged before the loop returned; b was never handed out");
    }

    /// <summary>
    /// A channel with <see cref="ChannelCapabilities.CompetingConsumers"/> hands each message to one of the receive loops
    /// running on it at once: every message is delivered, none twice.
    /// </summary>
    [Fact]
    public async Task CompetingConsumers_EachMessageGoesToOneOfThem()
    {
        var channel = await NewChannelAsync();
        if (!channel.Capabilities.CompetingConsumers)
        {
            // One consumer at a time: there is nothing to share.
            return;
        }

        var ids = Enumerable.Range(0, 40).Select(i => $"m{i:00}").ToArray();
        foreach (var id in ids)
        {
            await channel.SendAsync(Message(id), CancellationToken.None);
        }

        // Each handler yields, so that the loops interleave rather than one draining everything before the other starts.
        var probes = Enumerable.Range(0, 3).Select(_ => new ReceiveProbe(Time)
        {
            Answer = async (_, _) =>
            {
                await Task.Yield();
                return Acknowledgement.Completed;
            },
        }).ToArray();
        using var stop = new CancellationTokenSource();
        var runs = probes.Select(p => channel.ReceiveAsync(p.HandleAsync, new ReceiveOptions(), stop.Token)).ToArray();
        try
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (probes.Sum(p => p.Deliveries.Count) < ids.Length)
            {
                if (runs.FirstOrDefault(r => r.IsCompleted) is { } ended)
                {
                    await ended;
                    throw new ShouldAssertException("A receive loop returned before every message arrived.");
                }

                DateTime.UtcNow.ShouldBeLessThan(deadline, $"only {probes.Sum(p => p.Deliveries.Count)} of {ids.Length} messages arrived");
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }
        }
        finally
        {
            await stop.CancelAsync();
        }

        await Task.WhenAll(runs).WaitAsync(Timeout);
        var delivered = probes.SelectMany(p => p.Ids).ToList();
        delivered.Order(StringComparer.Ordinal).ToArray().ShouldBe(ids, customMessage: "each message is delivered once, to one consumer");
        (await channel.GetLagAsync(CancellationToken.None)).ShouldBe(channel.Capabilities.ReportsLag ? 0 : null);
    }

    /// <summary>
    /// A channel that can pause hands out nothing new once it confirmed a pause, keeps what was sent meanwhile, and
    /// delivers it in order once resumed. A channel that cannot pause states so and is not asked to.
    /// </summary>
    [Fact]
    public async Task Pause_HandsOutNothingNewUntilResumed_WhenTheChannelCanPause()
    {
        var channel = await NewChannelAsync();
        if (!channel.Capabilities.CanPause)
        {
            return;
        }

        var pause = new ConsumerPause();
        using var attached = pause.AttachLoop();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        var probe = new ReceiveProbe(Time);
        using var stop = new CancellationTokenSource();
        var run = channel.ReceiveAsync(probe.HandleAsync, new ReceiveOptions { Pause = pause }, stop.Token);
        await probe.UntilAsync(d => d.Count == 1, run, Timeout, "a is delivered before the pause");

        await pause.PauseAsync().WaitAsync(Timeout);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        await channel.SendAsync(Message("c"), CancellationToken.None);

        // Nothing may arrive now; what is checked is that nothing happens, so the test gives it time to.
        await Task.Delay(RealDelay);
        probe.Ids.ShouldBe(["a"], "a paused channel hands out nothing new");
        if (channel.Capabilities.ReportsLag)
        {
            (await channel.GetLagAsync(CancellationToken.None)).ShouldBe(2, "what was sent while paused waits");
        }

        pause.Resume();
        await probe.UntilAsync(d => d.Count == 3, run, Timeout, "b and c are delivered after the resume");
        await stop.CancelAsync();
        await run.WaitAsync(Timeout);
        probe.Ids.ShouldBe(["a", "b", "c"]);
    }

    /// <summary>The pull primitive on an empty channel returns that there is nothing, without handing anything out.</summary>
    [Fact]
    public async Task TryReceiveAsync_OnAnEmptyChannel_ReturnsNothing()
    {
        var channel = await NewChannelAsync();
        var probe = new ReceiveProbe(Time);

        (await channel.TryReceiveAsync(probe.HandleAsync, CancellationToken.None).AsTask().WaitAsync(Timeout)).ShouldBeNull();
        probe.Deliveries.ShouldBeEmpty();
    }

    /// <summary>Each take hands out one message, in the order they were sent; a completed one is gone.</summary>
    [Fact]
    public async Task TryReceiveAsync_TakesOneMessageAtATime_InOrder_AndCompletedRemovesIt()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var probe = new ReceiveProbe(Time);

        (await TakeAsync(channel, probe, "a is taken")).ShouldBe(Acknowledgement.Completed);
        probe.Ids.ShouldBe(["a"], "one take hands out one message");
        (await TakeAsync(channel, probe, "b is taken")).ShouldBe(Acknowledgement.Completed);
        probe.Ids.ShouldBe(["a", "b"]);
        (await channel.TryReceiveAsync(probe.HandleAsync, CancellationToken.None).AsTask().WaitAsync(Timeout)).ShouldBeNull("both were completed");
        if (channel.Capabilities.ReportsLag)
        {
            (await channel.GetLagAsync(CancellationToken.None)).ShouldBe(0);
        }
    }

    /// <summary>A released take leaves the message in the channel: a later take hands it out again, before what follows when the channel keeps order.</summary>
    [Fact]
    public async Task TryReceiveAsync_Release_LeavesTheMessageToBeTakenAgain()
    {
        var channel = await NewChannelAsync();
        await channel.SendAsync(Message("a"), CancellationToken.None);
        await channel.SendAsync(Message("b"), CancellationToken.None);
        var probe = new ReceiveProbe(Time)
        {
            Answer = (d, _) => ValueTask.FromResult(d is { Id: "a", Attempt: 1 } ? Acknowledgement.Release : Acknowledgement.Completed),
        };

        (await TakeAsync(channel, probe, "a is taken")).ShouldBe(Acknowledgement.Release);
        while (probe.Deliveries.Count(d => d.Id == "a") < 2 || probe.Deliveries.Count(d => d.Id == "b") < 1)
        {
            await TakeAsync(channel, probe, "a is taken again and b once");
        }

        probe.Deliveries.Count(d => d.Id == "a").ShouldBe(2, "a was released once, then completed");
        if (channel.Capabilities.KeepsOrderOnRelease)
        {
            probe.Ids.ShouldBe(["a", "a", "b"], "a released message is taken again before what follows it");
        }
    }

    /// <summary>A message whose due time has not come is not taken.</summary>
    [Fact]
    public async Task TryReceiveAsync_DoesNotTakeAMessageBeforeItsDueTime()
    {
        var channel = await NewChannelAsync();
        var maxDelay = channel.Capabilities.MaxDeliveryDelay;
        if (maxDelay == TimeSpan.Zero)
        {
            return;
        }

        var later = Message("later");
        later.SetDeliverAt(Time.GetUtcNow() + (maxDelay == System.Threading.Timeout.InfiniteTimeSpan || maxDelay > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : maxDelay));
        await channel.SendAsync(later, CancellationToken.None);
        await channel.SendAsync(Message("now"), CancellationToken.None);
        var probe = new ReceiveProbe(Time);

        await TakeAsync(channel, probe, "the message due now is taken");
        probe.Ids.ShouldBe(["now"]);
        (await channel.TryReceiveAsync(probe.HandleAsync, CancellationToken.None).AsTask().WaitAsync(Timeout)).ShouldBeNull("the other one is due in an hour");
        probe.Ids.ShouldBe(["now"]);
    }

    /// <summary>A message with <paramref name="id"/> as its id and <c>body of {id}</c> as its text body.</summary>
    /// <param name="id">The message id.</param>
    /// <returns>The message.</returns>
    protected static TransportMessage Message(string id)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        headers.Set(MessageHeaderNames.ContentType, "text/plain");
        return new TransportMessage(headers, Encoding.UTF8.GetBytes($"body of {id}"));
    }

    private async Task<IReceivingChannel> NewChannelAsync()
    {
        var channel = await CreateChannelAsync(Time);
        _channels.Add(channel);
        return channel;
    }

    private void MoveClock() => Clock?.Advance(TimeSpan.FromSeconds(1));

    /// <summary>Takes until a take hands out a message (a consumer may need a moment to join, a release a moment to pass).</summary>
    private async Task<Acknowledgement> TakeAsync(IReceivingChannel channel, ReceiveProbe probe, string what)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (await channel.TryReceiveAsync(probe.HandleAsync, CancellationToken.None).AsTask().WaitAsync(Timeout) is { } acknowledgement)
            {
                return acknowledgement;
            }

            MoveClock();
        }

        throw new ShouldAssertException($"No take handed out a message within {Timeout.TotalSeconds:0}s until {what}. Delivered: [{string.Join(", ", probe.Ids)}].");
    }

    private async Task<ReceiveSummary> ReceiveUntilAsync(IReceivingChannel channel, ReceiveProbe probe, Func<IReadOnlyList<Delivery>, bool> until, string what, Action? poll = null)
    {
        using var stop = new CancellationTokenSource();
        var run = channel.ReceiveAsync(probe.HandleAsync, new ReceiveOptions(), stop.Token);
        try
        {
            await probe.UntilAsync(until, run, Timeout, what, poll);
        }
        finally
        {
            await stop.CancelAsync();
        }

        return await run.WaitAsync(Timeout);
    }

    private Task<ReceiveSummary> ReceiveUntilEmptyAsync(IReceivingChannel channel, ReceiveProbe probe) =>
        channel.ReceiveAsync(probe.HandleAsync, new ReceiveOptions { StopWhenEmpty = true }, CancellationToken.None).WaitAsync(Timeout);
}
