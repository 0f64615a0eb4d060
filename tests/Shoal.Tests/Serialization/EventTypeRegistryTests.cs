using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Serialization;

public sealed class EventTypeRegistryTests
{
    [Fact]
    public void Default_name_is_the_CLR_type_name()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>();

        Assert.True(registry.TryGetByName("OrderPlaced", out var info));
        Assert.Equal(new EventTypeInfo("OrderPlaced", typeof(OrderPlaced), null), info);
        Assert.Same(info, registry.Get<OrderPlaced>());
    }

    [Fact]
    public void Custom_name_and_format_are_kept_and_found_both_ways()
    {
        var registry = new EventTypeRegistry()
            .Add<OrderPlaced>("orders.placed.v1", SerializationFormat.Protobuf)
            .Add<PaymentReceived>();

        Assert.True(registry.TryGetByName("orders.placed.v1", out var byName));
        Assert.True(registry.TryGet(typeof(OrderPlaced), out var byType));
        Assert.Same(byName, byType);
        Assert.Equal(SerializationFormat.Protobuf, byName.Format);
        Assert.False(registry.TryGetByName("OrderPlaced", out _));
        Assert.False(registry.TryGetByName("ORDERS.PLACED.V1", out _)); // names are case-sensitive
        Assert.Equal(["PaymentReceived", "orders.placed.v1"], registry.Types.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Registering_the_same_type_the_same_way_again_is_a_no_op()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>("o", SerializationFormat.Xml);

        registry.Add<OrderPlaced>("o", SerializationFormat.Xml);

        Assert.Single(registry.Types);
    }

    [Fact]
    public void A_name_used_by_another_type_is_rejected()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>("shared");

        var ex = Assert.Throws<ShoalConfigurationException>(() => registry.Add<PaymentReceived>("shared"));

        Assert.Equal("name", ex.Field);
        Assert.Contains("'shared'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OrderPlaced), ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(PaymentReceived), ex.Message, StringComparison.Ordinal);
        Assert.False(registry.TryGet(typeof(PaymentReceived), out _));
    }

    [Fact]
    public void The_same_type_under_another_name_is_rejected()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>();

        var ex = Assert.Throws<ShoalConfigurationException>(() => registry.Add<OrderPlaced>("order-placed"));

        Assert.Equal("name", ex.Field);
        Assert.Contains(nameof(OrderPlaced), ex.Message, StringComparison.Ordinal);
        Assert.Contains("'order-placed'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_type_with_another_format_is_rejected()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>();

        var ex = Assert.Throws<ShoalConfigurationException>(() => registry.Add<OrderPlaced>(format: SerializationFormat.MessagePack));

        Assert.Equal("format", ex.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("line\nbreak")]
    [InlineData("nul\0")]
    public void Invalid_names_are_rejected(string name)
    {
        var ex = Assert.Throws<ShoalConfigurationException>(() => new EventTypeRegistry().Add<OrderPlaced>(name));

        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public void Names_up_to_200_characters_are_accepted()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>(new string('n', 200));

        Assert.Throws<ShoalConfigurationException>(() => registry.Add<PaymentReceived>(new string('p', 201)));
        Assert.Single(registry.Types);
    }

    [Fact]
    public void Undefined_format_is_rejected()
    {
        var ex = Assert.Throws<ShoalConfigurationException>(() => new EventTypeRegistry().Add<OrderPlaced>(format: (SerializationFormat)9));

        Assert.Equal("format", ex.Field);
    }

    [Fact]
    public void Get_of_an_unregistered_type_says_how_to_register_it()
    {
        var ex = Assert.Throws<ShoalConfigurationException>(() => new EventTypeRegistry().Get<PaymentReceived>());

        Assert.Equal("TEvent", ex.Field);
        Assert.Contains("Event type PaymentReceived is not registered; register it with AddEventType<PaymentReceived>()", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lookups_of_unknown_names_and_types_are_false()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>();

        Assert.False(registry.TryGetByName("nope", out var byName));
        Assert.Null(byName);
        Assert.False(registry.TryGet(typeof(string), out var byType));
        Assert.Null(byType);
    }

    [Fact]
    public async Task Readers_see_a_consistent_registry_while_types_are_added()
    {
        var registry = new EventTypeRegistry().Add<OrderPlaced>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested || reads < 1_000)
            {
                Assert.True(registry.TryGetByName("OrderPlaced", out var info));
                Assert.Equal(typeof(OrderPlaced), info.ClrType);
                if (registry.TryGetByName("PaymentReceived", out var later))
                {
                    Assert.True(registry.TryGet(typeof(PaymentReceived), out var same));
                    Assert.Same(later, same);
                }

                reads++;
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        registry.Add<PaymentReceived>().Add<PlainEvent>();
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(3, registry.Types.Count);
    }
}
