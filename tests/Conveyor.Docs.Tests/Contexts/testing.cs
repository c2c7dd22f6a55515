// What docs/testing.md's flow test uses: the application's messages and a fake of one of its services.
public sealed record PlaceOrder(string OrderId);

public sealed record OrderPlaced(string OrderId);

public sealed record GetOrderTotal(string OrderId);

public interface IMailer;

public sealed class FakeMailer : IMailer;

public sealed class Program;
