// For docs/entity-framework.md's registration fragments: the application's DbContext, shown in full in the page's first block.
using Microsoft.EntityFrameworkCore;

public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options);
