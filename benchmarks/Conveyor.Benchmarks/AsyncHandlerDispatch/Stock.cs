namespace Conveyor.Benchmarks.AsyncHandlerDispatch;

/// <summary>The handlers' trivial work: every contender's handler adds the quantity when the tenant is known.</summary>
public static class Stock
{
    public static long Reserved;

    public static void Add(int quantity, string? tenant)
    {
        if (tenant is not null)
        {
            Reserved += quantity;
        }
    }
}
