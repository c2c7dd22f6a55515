namespace Conveyor.Benchmarks.InProcessDispatch;

/// <summary>The handlers' trivial work: every contender's handler adds the quantity here.</summary>
public static class OrderBook
{
    public static long Quantity;

    public static void Add(PlaceOrder command) => Quantity += command.Quantity;
}
