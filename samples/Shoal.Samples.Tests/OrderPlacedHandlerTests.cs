using Shoal;
using Shoal.Hosting;
using Shoal.Samples.Worker;
using Shoal.Testing;
using Xunit;

namespace Shoal.Samples.Tests;

/// <summary>The worker sample's billing handler, run by the real Shoal runtime in memory (package Shoal.Testing).</summary>
public sealed class OrderPlacedHandlerTests
{
    // The sample's topic, event type, group and handler, as its Program.cs adds them.
    private static void Billing(ShoalBuilder shoal) => shoal
        .AddTopic("orders", partitions: 12)
        .AddEventType<OrderPlaced>("order-placed")
        .AddGroup(new GroupOptions { Name = "billing", Topic = "orders" })
        .AddHandler<OrderPlaced, OrderPlacedHandler>("billing");

    [Fact]
    public async Task Every_order_is_billed_once_and_each_customers_orders_in_the_order_they_were_placed()
    {
        await using var shoal = await ShoalTestHost.StartAsync(Billing, TestContext.Current.CancellationToken);
        for (var i = 0; i < 60; i++)
        {
            var order = new OrderPlaced($"order-{i}", $"customer-{i % 6}", 10m + i);
            await shoal.PublishAsync("orders", order.CustomerId, order, TestContext.Current.CancellationToken);
        }

        await shoal.WaitForIdleAsync(cancellationToken: TestContext.Current.CancellationToken);

        var billed = shoal.Handled<OrderPlaced>("billing");
        Assert.Equal(60, billed.Count);
        Assert.Equal(60, billed.Select(o => o.OrderId).Distinct().Count());
        foreach (var customer in billed.GroupBy(o => o.CustomerId))
        {
            Assert.Equal(customer.OrderBy(o => o.Amount), customer); // placed in increasing amounts
        }

        Assert.Empty(await shoal.GetDeadLettersAsync("billing", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Billing_an_order_again_when_it_is_redelivered_does_not_fail()
    {
        // Every event is handled twice, the second time as a redelivery (same event id, a higher epoch). This
        // handler only logs; one that charged a card would check here that it charged once (de-duplicating by
        // EventContext.Id).
        await using var shoal = await ShoalTestHost.StartAsync(Billing, ShoalTestOptions.Default with { RedeliverEveryEventOnce = true }, TestContext.Current.CancellationToken);
        await shoal.PublishAsync("orders", "customer-1", new OrderPlaced("order-1", "customer-1", 25m), TestContext.Current.CancellationToken);

        await shoal.WaitForIdleAsync(cancellationToken: TestContext.Current.CancellationToken);

        var handled = shoal.Handled("billing");
        Assert.Collection(handled,
            first => Assert.False(first.Redelivery),
            second => Assert.True(second.Redelivery));
        Assert.Equal(handled[0].Id, handled[1].Id);
        Assert.Empty(await shoal.GetDeadLettersAsync("billing", TestContext.Current.CancellationToken));
    }
}
